package dev.eventshop.broker.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a coordinator's partitions are claimed, loaded, served and dropped, with a load action that
 * records what happens instead of reading a log.
 */
@Timeout(10)
class CoordinatorPartitionsTest {

  static final int P = 2;

  @TempDir Path dir;
  LogCoordinatorTopic topic;
  CoordinatorPartitions partitions;

  /** What the coordinator was asked to do, in order: "load 2@0", "drop 2", "active 2". */
  final List<String> events = new ArrayList<>();

  /** Runs inside the next load, after the log was read; null for nothing. */
  Runnable duringLoad;

  boolean failLoads;

  @BeforeEach
  void open() {
    topic = new LogCoordinatorTopic(dir, "__test_state", 4);
    partitions = new CoordinatorPartitions("__test_state", "keys", topic, this::load, this::drop);
  }

  @AfterEach
  void close() {
    topic.close();
  }

  Runnable load(int p, int coordinatorEpoch) throws IOException {
    events.add("load " + p + "@" + coordinatorEpoch);
    if (failLoads) {
      throw new IOException("unreadable");
    }
    if (duringLoad != null) {
      Runnable r = duringLoad;
      duringLoad = null;
      r.run();
    }
    return () -> events.add("active " + p);
  }

  void drop(int p) {
    events.add("drop " + p);
  }

  @Test
  void theFirstRequestLoadsAPartitionThisBrokerLeads() {
    topic.moveLeaderEpochTo(3);

    assertThat(partitions.availability(P)).isEqualTo(Errors.NONE);
    assertThat(partitions.availability(P)).isEqualTo(Errors.NONE);

    assertThat(events).containsExactly("load 2@3", "active 2");
    assertThat(partitions.coordinatorEpoch(P)).isEqualTo(3);
    assertThat(partitions.stillCoordinator(P, 3)).isTrue();
  }

  @Test
  void aPartitionLedElsewhereIsNotCoordinatedHere() {
    topic.ledHere(false);

    assertThat(partitions.availability(P)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(events).isEmpty();
    assertThat(partitions.coordinatorEpoch(P)).isEqualTo(CoordinatorPartitions.NO_EPOCH);
  }

  @Test
  void whileLoadingRequestsWaitAndQueuedActionsRunAsItBecomesActive() {
    List<Errors> seenDuringLoad = new ArrayList<>();
    duringLoad =
        () -> {
          seenDuringLoad.add(partitions.availability(P));
          partitions.whenLoaded(P, () -> events.add("marker"));
        };

    partitions.onBecomeLeader(P);

    assertThat(seenDuringLoad).containsExactly(Errors.COORDINATOR_LOAD_IN_PROGRESS);
    assertThat(events).containsExactly("load 2@0", "marker", "active 2");
    partitions.whenLoaded(P, () -> events.add("later marker"));
    assertThat(events).endsWith("later marker");
  }

  @Test
  void aResignationDuringTheLoadWins() {
    duringLoad =
        () -> {
          partitions.whenLoaded(P, () -> events.add("marker"));
          partitions.onResign(P);
        };

    partitions.onBecomeLeader(P, 1);

    assertThat(events).containsExactly("drop 2", "load 2@1", "drop 2", "drop 2");
    assertThat(partitions.availability(P)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(partitions.isActive(P)).isFalse();
  }

  @Test
  void aFailedLoadIsDroppedAndTheNextRequestLoadsAgain() {
    failLoads = true;
    assertThat(partitions.availability(P)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(events).containsExactly("load 2@0", "drop 2");

    failLoads = false;
    assertThat(partitions.availability(P)).isEqualTo(Errors.NONE);
  }

  @Test
  void aNewLeaderEpochDropsAndReloadsOnlyWhenEpochsCount() {
    partitions.onBecomeLeader(P, 1);
    partitions.onBecomeLeader(P, 1);
    partitions.onBecomeLeader(P); // without epochs an active partition stays as it is
    assertThat(events).containsExactly("drop 2", "load 2@1", "active 2");

    partitions.onBecomeLeader(P, 2);

    assertThat(events).endsWith("drop 2", "load 2@2", "active 2");
    assertThat(partitions.stillCoordinator(P, 1)).isFalse();
    assertThat(partitions.stillCoordinator(P, 2)).isTrue();
  }

  @Test
  void afterResigningOrClosingNothingIsServed() {
    partitions.onBecomeLeader(P, 1);
    partitions.onResign(P);
    assertThat(partitions.availability(P)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(partitions.coordinatorEpoch(P)).isEqualTo(CoordinatorPartitions.NO_EPOCH);

    partitions.onBecomeLeader(P, 2);
    partitions.close();

    assertThat(partitions.availability(P)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(partitions.stillCoordinator(P, 2)).isFalse();
  }
}
