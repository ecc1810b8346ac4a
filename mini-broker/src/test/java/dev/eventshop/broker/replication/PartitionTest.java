package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiError;
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
  final List<Integer> isrRequestPartitionEpochs = new ArrayList<>();
  final List<TopicPartition> wakeUps = new ArrayList<>();
  final List<CompletableFuture<ApiError>> isrAnswers = new ArrayList<>();
  int partitionEpoch;

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
            (tp, leaderEpoch, partitionEpoch, isr) -> {
              synchronized (isrRequests) {
                isrRequests.add(isr);
                isrRequestPartitionEpochs.add(partitionEpoch);
                CompletableFuture<ApiError> answer = new CompletableFuture<>();
                isrAnswers.add(answer);
                return answer;
              }
            });
    changed(1, 5, List.of(1, 2, 3), List.of(1, 2, 3), 0);
  }

  /** The metadata shows a change of the partition: the next partition epoch. */
  void changed(int leader, int epoch, List<Integer> replicas, List<Integer> isr, long nowMs) {
    partition.update(leader, epoch, ++partitionEpoch, replicas, isr, nowMs);
  }

  /** The metadata is published again for another partition's change: same partition epoch. */
  void republished(long nowMs) {
    partition.update(
        partition.leaderId(),
        partition.leaderEpoch(),
        partitionEpoch,
        partition.replicas(),
        partition.isr(),
        nowMs);
  }

  CompletableFuture<ApiError> lastIsrAnswer() {
    synchronized (isrRequests) {
      return isrAnswers.get(isrAnswers.size() - 1);
    }
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
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2), 0); // 3 out of sync
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);
    assertThat(log.highWatermark()).isEqualTo(1);
    partition.onFollowerFetch(3, 1, 0, 10); // caught up with the high watermark
    assertThat(isrRequests).last().isEqualTo(List.of(1, 2, 3));

    CompletableFuture<PartitionLog.AppendResult> ack =
        partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) -1, 1, 20);
    partition.onFollowerFetch(2, 2, 0, 30);
    republished(40); // another partition's change
    assertThat(log.highWatermark()).as("3 has only offset 0").isEqualTo(1);
    assertThat(ack).isNotDone();

    changed(1, 6, List.of(1, 2, 3), List.of(1, 2, 3), 50); // the request applied
    lastIsrAnswer().complete(ApiError.NONE);
    partition.onFollowerFetch(3, 2, 0, 60);
    assertThat(log.highWatermark()).isEqualTo(2);
    assertThat(ack).isCompleted();
  }

  @Test
  void aRefusedIsrRequestNoLongerHoldsTheHighWatermark() throws Exception {
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    partition.onFollowerFetch(3, 0, 0, 10); // at the high watermark (0): asked in
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 20);
    partition.onFollowerFetch(2, 1, 0, 30);
    assertThat(log.highWatermark()).isZero();

    lastIsrAnswer().complete(new ApiError(Errors.INELIGIBLE_REPLICA, "3 is fenced"));
    assertThat(log.highWatermark()).isEqualTo(1);
  }

  /**
   * No answer does not mean no change: the controller may commit the request later. It keeps
   * holding the high watermark and is asked again, the same, in the same partition epoch, so that
   * it applies at most once.
   */
  @Test
  void anUnansweredIsrRequestKeepsHoldingTheHighWatermarkAndIsAskedAgain() throws Exception {
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    int askedIn = partitionEpoch;
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);
    partition.onFollowerFetch(3, 1, 0, 10); // caught up: asked in
    CompletableFuture<PartitionLog.AppendResult> ack =
        partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) -1, 1, 20);
    partition.onFollowerFetch(2, 2, 0, 30);

    lastIsrAnswer().completeExceptionally(new TimeoutException("the quorum did not answer"));
    assertThat(log.highWatermark()).as("3 has only offset 0").isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> isrAnswers.size() == 2);
    assertThat(isrRequests).containsExactly(List.of(1, 2, 3), List.of(1, 2, 3));
    assertThat(isrRequestPartitionEpochs).containsExactly(askedIn, askedIn);
    assertThat(ack).isNotDone();

    // The first one was committed after all; the second is refused as stale.
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2, 3), 40);
    lastIsrAnswer().complete(new ApiError(Errors.INVALID_UPDATE_VERSION, "stale"));
    assertThat(log.highWatermark()).isEqualTo(1);
    partition.onFollowerFetch(3, 2, 0, 50);
    assertThat(log.highWatermark()).isEqualTo(2);
    assertThat(ack).isCompleted();
  }

  /**
   * A change of the partition (here a reassignment adding broker 4) reaches the leader before the
   * answer to its request: the controller refuses that request now (its partition epoch is stale),
   * so it no longer holds the high watermark, and its late answer does not touch the next one.
   */
  @Test
  void aChangeOfThePartitionSupersedesTheRequestInFlight() throws Exception {
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);
    partition.onFollowerFetch(3, 1, 0, 10); // asked in
    partition.appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) 1, 1, 20);
    partition.onFollowerFetch(2, 2, 0, 30);
    assertThat(log.highWatermark()).isEqualTo(1);

    changed(1, 6, List.of(1, 2, 3, 4), List.of(1, 2), 40);
    assertThat(log.highWatermark()).isEqualTo(2);

    partition.onFollowerFetch(3, 2, 0, 50); // caught up again: asked in again
    assertThat(isrRequestPartitionEpochs).containsExactly(partitionEpoch - 1, partitionEpoch);
    isrAnswers.get(0).complete(new ApiError(Errors.INVALID_UPDATE_VERSION, "stale"));
    partition.appendAsLeader(one("c"), AppendOrigin.CLIENT, (short) 1, 1, 60);
    partition.onFollowerFetch(2, 3, 0, 70);
    assertThat(log.highWatermark()).as("the second request still holds it").isEqualTo(2);
  }

  @Test
  void anOlderStateOfThePartitionIsIgnored() {
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    assertThat(partition.update(1, 6, partitionEpoch - 1, List.of(1, 2, 3), List.of(1), 10))
        .isFalse();
    assertThat(partition.isr()).containsExactly(1, 2);
    assertThat(partition.partitionEpoch()).isEqualTo(partitionEpoch);
  }

  @Test
  void replicasAddedWithinAnEpochAreTrackedAndRemovedOnesForgotten() throws Exception {
    changed(1, 6, List.of(1, 2), List.of(1, 2), 0);
    changed(1, 6, List.of(4, 2, 1), List.of(1, 2), 10); // a reassignment adds 4
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
    changed(1, 5, List.of(1, 2, 3), List.of(1, 2), 40); // 3 left the ISR
    assertThat(shrunk).isCompletedWithValue(4L);

    CompletableFuture<Long> moved = partition.deleteRecordsBefore(4);
    assertThat(moved).as("already there").isCompletedWithValue(4L);
    for (String v : List.of("e", "f")) {
      partition.appendAsLeader(one(v), AppendOrigin.CLIENT, (short) 1, 1, 0);
    }
    partition.onFollowerFetch(2, 6, 4, 50);
    CompletableFuture<Long> lost = partition.deleteRecordsBefore(5);
    changed(2, 6, List.of(1, 2, 3), List.of(2), 60); // leadership moves
    assertThat(lost).isCompletedExceptionally();
  }

  @Test
  void acksAllIsRefusedBelowMinInsyncReplicas() {
    changed(1, 6, List.of(1, 2, 3), List.of(1), 0);

    assertThatThrownBy(
            () -> partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) -1, 2, 0))
        .isInstanceOf(NotEnoughReplicasException.class);
  }

  @Test
  void losingLeadershipFailsWaitingAcks() throws Exception {
    CompletableFuture<PartitionLog.AppendResult> ack =
        partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) -1, 1, 0);

    changed(2, 6, List.of(1, 2, 3), List.of(2, 3), 0);

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
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
    partition.appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition.onFollowerFetch(2, 1, 0, 10);

    partition.onFollowerFetch(3, 1, 0, 10);

    assertThat(isrRequests).containsExactly(List.of(1, 2, 3));
  }

  @Test
  void aFollowerAskedIntoTheIsrCountsForTheHighWatermarkAtOnce() throws Exception {
    changed(1, 6, List.of(1, 2, 3), List.of(1, 2), 0);
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
    changed(2, 6, List.of(1, 2, 3), List.of(1, 2, 3), 20);
    assertThat(partition.committedEnd()).as("a follower's own").hasValue(1);
    changed(1, 7, List.of(1, 2, 3), List.of(1, 2, 3), 30);
    assertThat(partition.committedEnd()).isEmpty();

    partition.onFollowerFetch(2, 2, 0, 40);
    assertThat(partition.committedEnd()).isEmpty();
    partition.onFollowerFetch(3, 2, 0, 40);
    assertThat(partition.committedEnd()).hasValue(2);
  }
}
