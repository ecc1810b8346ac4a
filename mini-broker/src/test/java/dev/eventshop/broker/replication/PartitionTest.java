package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionTest {

  static final TopicPartition TP = new TopicPartition("t", 0);

  @TempDir Path dir;
  PartitionLog log;
  Partition partition;
  final List<List<Integer>> isrRequests = new ArrayList<>();
  final List<TopicPartition> wakeUps = new ArrayList<>();
  final List<CompletableFuture<Void>> isrAnswers = new ArrayList<>();

  @BeforeEach
  void open() throws Exception {
    log =
        PartitionLog.open(
            dir.resolve("t-0"),
            TP,
            Uuid.randomUuid(),
            LogConfig.of(Map.of(), Map.of()),
            true,
            Runnable::run);
    partition =
        new Partition(
            TP,
            Uuid.randomUuid(),
            log,
            1,
            wakeUps::add,
            (tp, epoch, isr) -> {
              isrRequests.add(isr);
              CompletableFuture<Void> answer = new CompletableFuture<>();
              isrAnswers.add(answer);
              return answer;
            });
    partition.update(1, 5, List.of(1, 2, 3), List.of(1, 2, 3), 0);
  }

  @AfterEach
  void close() {
    log.close();
  }

  static MemoryRecords one(String value) {
    return MemoryRecords.withRecords(
        Compression.NONE, new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void highWatermarkIsTheSmallestLogEndOffsetInTheIsr() throws Exception {
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    assertThat(log.highWatermark()).isZero();

    partition.onFollowerFetch(2, 2, 0, 10);
    assertThat(log.highWatermark()).isZero();

    partition.onFollowerFetch(3, 1, 0, 10);
    assertThat(log.highWatermark()).isEqualTo(1);
    partition.onFollowerFetch(3, 2, 0, 10);
    assertThat(log.highWatermark()).isEqualTo(2);
  }

  /**
   * A follower asked into the ISR counts for the high watermark until the controller answers, even
   * when other metadata changes arrive meanwhile: it may join the ISR, and then lead (a
   * reassignment completes in that very change), so it must have every acknowledged record.
   */
  @Test
  void aFollowerAskedIntoTheIsrHoldsTheHighWatermarkThroughUnrelatedMetadataChanges()
      throws Exception {
    partition.update(1, 6, List.of(1, 2, 3), List.of(1, 2), 0); // 3 out of sync
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);
    assertThat(log.highWatermark()).isEqualTo(1);
    partition.onFollowerFetch(3, 1, 0, 10); // caught up with the high watermark
    assertThat(isrRequests).last().isEqualTo(List.of(1, 2, 3));

    CompletableFuture<PartitionLog.AppendResult> ack =
        partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) -1, 1, 20);
    partition.onFollowerFetch(2, 2, 0, 30);
    partition.update(1, 6, List.of(1, 2, 3), List.of(1, 2), 40); // another change, same epoch
    assertThat(log.highWatermark()).as("3 has only offset 0").isEqualTo(1);
    assertThat(ack).isNotDone();

    partition.update(1, 6, List.of(1, 2, 3), List.of(1, 2, 3), 50); // the request applied
    isrAnswers.get(isrAnswers.size() - 1).complete(null);
    partition.onFollowerFetch(3, 2, 0, 60);
    assertThat(log.highWatermark()).isEqualTo(2);
    assertThat(ack).isCompleted();
  }

  @Test
  void aRefusedIsrRequestNoLongerHoldsTheHighWatermark() throws Exception {
    partition.update(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    partition.onFollowerFetch(3, 0, 0, 10); // at the high watermark (0): asked in
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 20);
    partition.onFollowerFetch(2, 1, 0, 30);
    assertThat(log.highWatermark()).isZero();

    isrAnswers.get(isrAnswers.size() - 1).completeExceptionally(new RuntimeException("refused"));
    assertThat(log.highWatermark()).isEqualTo(1);
  }

  @Test
  void replicasAddedWithinAnEpochAreTrackedAndRemovedOnesForgotten() throws Exception {
    partition.update(1, 6, List.of(1, 2), List.of(1, 2), 0);
    partition.update(1, 6, List.of(4, 2, 1), List.of(1, 2), 10); // a reassignment adds 4
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 20);
    partition.onFollowerFetch(2, 1, 0, 30);
    partition.onFollowerFetch(4, 1, 0, 30);
    assertThat(isrRequests)
        .last()
        .as("4 caught up: asked into the ISR")
        .isEqualTo(List.of(1, 2, 4));
  }

  @Test
  void acksAllCompletesOnlyWhenEveryIsrMemberHasTheBatch() throws Exception {
    CompletableFuture<PartitionLog.AppendResult> ack =
        partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) -1, 2, 0);
    assertThat(ack).isNotDone();

    partition.onFollowerFetch(2, 1, 0, 10);
    assertThat(ack).isNotDone();
    partition.onFollowerFetch(3, 1, 0, 10);

    assertThat(ack).isCompletedWithValueMatching(r -> r.baseOffset() == 0);
    assertThat(wakeUps).contains(TP);
  }

  @Test
  void deleteRecordsCompletesOnceEveryInSyncFollowerStartsThere() throws Exception {
    for (String v : List.of("a", "b", "c", "d")) {
      partition.appendAsLeader(one(v), AppendOrigin.CLIENT, (short) 1, 1, 0);
    }
    partition.onFollowerFetch(2, 4, 0, 10);
    partition.onFollowerFetch(3, 4, 0, 10);
    assertThat(log.highWatermark()).isEqualTo(4);

    CompletableFuture<Long> deleted = partition.deleteRecordsBefore(3);
    assertThat(log.logStartOffset()).isEqualTo(3);
    assertThat(deleted).as("the followers still start at 0").isNotDone();
    partition.onFollowerFetch(2, 4, 3, 20);
    assertThat(deleted).isNotDone();
    partition.onFollowerFetch(3, 4, 3, 20);
    assertThat(deleted).isCompletedWithValue(3L);

    CompletableFuture<Long> shrunk = partition.deleteRecordsBefore(4);
    partition.onFollowerFetch(2, 4, 4, 30);
    assertThat(shrunk).as("3 still starts at 3").isNotDone();
    partition.update(1, 5, List.of(1, 2, 3), List.of(1, 2), 40); // 3 left the ISR
    assertThat(shrunk).isCompletedWithValue(4L);

    CompletableFuture<Long> moved = partition.deleteRecordsBefore(4);
    assertThat(moved).as("already there").isCompletedWithValue(4L);
    for (String v : List.of("e", "f")) {
      partition.appendAsLeader(one(v), AppendOrigin.CLIENT, (short) 1, 1, 0);
    }
    partition.onFollowerFetch(2, 6, 4, 50);
    CompletableFuture<Long> lost = partition.deleteRecordsBefore(5);
    partition.update(2, 6, List.of(1, 2, 3), List.of(2), 60); // leadership moves
    assertThat(lost).isCompletedExceptionally();
  }

  @Test
  void acksAllIsRefusedBelowMinInsyncReplicas() {
    partition.update(1, 6, List.of(1, 2, 3), List.of(1), 0);

    assertThatThrownBy(
            () -> partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) -1, 2, 0))
        .isInstanceOf(NotEnoughReplicasException.class);
  }

  @Test
  void losingLeadershipFailsWaitingAcks() throws Exception {
    CompletableFuture<PartitionLog.AppendResult> ack =
        partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) -1, 1, 0);

    partition.update(2, 6, List.of(1, 2, 3), List.of(2, 3), 0);

    assertThat(ack).isCompletedExceptionally();
    assertThatThrownBy(
            () -> partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) 1, 1, 0))
        .isInstanceOf(NotLeaderOrFollowerException.class);
  }

  @Test
  void aFollowerLaggingLongerThanTheLimitIsRemovedFromTheIsr() throws Exception {
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 1_000); // caught up at t=1s
    partition.onFollowerFetch(3, 0, 0, 1_000); // still behind

    partition.maybeShrinkIsr(20_000, 30_000);
    assertThat(isrRequests).isEmpty();

    partition.maybeShrinkIsr(31_000, 30_000);
    assertThat(isrRequests).containsExactly(List.of(1, 2));
  }

  @Test
  void aCaughtUpFollowerIsAddedBackToTheIsr() throws Exception {
    partition.update(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);

    partition.onFollowerFetch(3, 1, 0, 10);

    assertThat(isrRequests).containsExactly(List.of(1, 2, 3));
  }

  @Test
  void aFollowerAskedIntoTheIsrCountsForTheHighWatermarkAtOnce() throws Exception {
    partition.update(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);
    partition.onFollowerFetch(3, 1, 0, 10); // caught up: asked into the ISR, not yet applied
    assertThat(isrRequests).containsExactly(List.of(1, 2, 3));

    CompletableFuture<PartitionLog.AppendResult> ack =
        partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) -1, 2, 0);
    partition.onFollowerFetch(2, 2, 0, 20);

    // The controller may already have made 3 a member and could elect it: wait for it too.
    assertThat(log.highWatermark()).isEqualTo(1);
    assertThat(ack).isNotDone();
    partition.onFollowerFetch(3, 2, 0, 20);
    assertThat(log.highWatermark()).isEqualTo(2);
    assertThat(ack).isDone();
  }

  @Test
  void aNewLeadersHighWatermarkIsUnknownUntilTheFollowersFetchInItsEpoch() throws Exception {
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);
    partition.onFollowerFetch(3, 1, 0, 10);
    assertThat(log.highWatermark()).isEqualTo(1);
    assertThat(partition.committedEnd()).hasValue(1);

    // Led elsewhere for an epoch, then elected again: this log ends at 2, its high watermark is 1.
    partition.update(2, 6, List.of(1, 2, 3), List.of(1, 2, 3), 20);
    assertThat(partition.committedEnd()).as("a follower's own").hasValue(1);
    partition.update(1, 7, List.of(1, 2, 3), List.of(1, 2, 3), 30);
    assertThat(partition.committedEnd()).isEmpty();

    partition.onFollowerFetch(2, 2, 0, 40);
    assertThat(partition.committedEnd()).isEmpty();
    partition.onFollowerFetch(3, 2, 0, 40);
    assertThat(partition.committedEnd()).hasValue(2);
  }
}
