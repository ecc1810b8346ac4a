package dev.eventshop.broker.group;

import static dev.eventshop.broker.group.GroupHarness.joinData;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TxnOffsetCommit and the transaction markers that end it (KIP-98, transactions version 1): the
 * offsets stay pending until the transaction coordinator's marker in {@code __consumer_offsets}
 * commits or aborts them. A marker is simulated as the broker writes it: appended to the group's
 * partition log, then announced with {@link GroupCoordinator#onTransactionCompleted}.
 */
@Timeout(10)
class TxnOffsetCommitsTest {

  static final String GROUP = "payments-eos";
  static final long PRODUCER = 4000;

  @TempDir Path dir;
  GroupHarness h;

  /** Runs while a partition is being loaded, after its log was read; null for nothing. */
  Consumer<Integer> duringLoad;

  void open() {
    h = new GroupHarness(dir, GroupHarness.config(0), LoadHook::new);
  }

  @AfterEach
  void close() {
    if (h != null) {
      h.close();
    }
  }

  /** The offsets topic, with a hook into the replay that loads a partition. */
  final class LoadHook extends ForwardingCoordinatorTopic {
    LoadHook(CoordinatorTopic delegate) {
      super(delegate);
    }

    @Override
    public long replay(int p, Consumer<RecordBatch> visitor) throws IOException {
      long end = delegate.replay(p, visitor);
      if (duringLoad != null) {
        duringLoad.accept(p);
      }
      return end;
    }
  }

  // ------------------------------------------------------------------ helpers

  static TxnOffsetCommitRequestData txnCommit(
      String group, long producerId, short epoch, String topic, long... offsets) {
    TxnOffsetCommitRequestTopic t = new TxnOffsetCommitRequestTopic().setName(topic);
    for (int p = 0; p < offsets.length; p++) {
      t.partitions()
          .add(
              new TxnOffsetCommitRequestPartition()
                  .setPartitionIndex(p)
                  .setCommittedOffset(offsets[p])
                  .setCommittedLeaderEpoch(2)
                  .setCommittedMetadata("tx" + p));
    }
    return new TxnOffsetCommitRequestData()
        .setTransactionalId("tx-" + producerId)
        .setGroupId(group)
        .setProducerId(producerId)
        .setProducerEpoch(epoch)
        .setTopics(List.of(t));
  }

  static TxnOffsetCommitRequestData txnCommit(long producerId, String topic, long... offsets) {
    return txnCommit(GROUP, producerId, (short) 0, topic, offsets);
  }

  /** The error of each partition of a TxnOffsetCommit, in request order. */
  List<Errors> txnCommitErrors(int version, TxnOffsetCommitRequestData data) {
    TxnOffsetCommitResponseData r = h.done(h.send(ApiKeys.TXN_OFFSET_COMMIT, version, data));
    return r.topics().stream()
        .flatMap(t -> t.partitions().stream())
        .map(p -> Errors.forCode(p.errorCode()))
        .toList();
  }

  Errors txnCommitError(int version, TxnOffsetCommitRequestData data) {
    return txnCommitErrors(version, data).get(0);
  }

  Errors plainCommit(String topic, long... offsets) {
    OffsetCommitResponseData r =
        h.done(
            h.send(
                ApiKeys.OFFSET_COMMIT, 9, OffsetCommitsTest.commit(GROUP, -1, "", topic, offsets)));
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  /** The transaction coordinator's marker, as the broker writes it and then tells the group. */
  void marker(long producerId, short epoch, boolean commit) {
    int p = h.coordinator.partitionFor(GROUP);
    appendMarker(p, producerId, epoch, commit);
    h.coordinator.onTransactionCompleted(p, producerId, commit);
  }

  void marker(long producerId, boolean commit) {
    marker(producerId, (short) 0, commit);
  }

  /** Writes a marker to the log only, as a broker does before telling the coordinator. */
  void appendMarker(int p, long producerId, short epoch, boolean commit) {
    try {
      PartitionLog log = h.topic.partition(p);
      PartitionLog.AppendResult r =
          log.appendMarker(producerId, epoch, 0, commit, 0, h.timer.nowMs());
      log.updateHighWatermark(r.lastOffset() + 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One partition as OffsetFetch v9 answers it. */
  OffsetFetchResponsePartitions fetch(String topic, int partition, boolean requireStable) {
    OffsetFetchResponseData r =
        h.call(
            ApiKeys.OFFSET_FETCH,
            9,
            new OffsetFetchRequestData()
                .setRequireStable(requireStable)
                .setGroups(
                    List.of(
                        new OffsetFetchRequestGroup()
                            .setGroupId(GROUP)
                            .setTopics(
                                List.of(
                                    new OffsetFetchRequestTopics()
                                        .setName(topic)
                                        .setPartitionIndexes(List.of(partition)))))));
    return r.groups().get(0).topics().get(0).partitions().get(0);
  }

  long committed(String topic, int partition) {
    return fetch(topic, partition, false).committedOffset();
  }

  Errors stableFetchError(String topic, int partition) {
    return Errors.forCode(fetch(topic, partition, true).errorCode());
  }

  // ------------------------------------------------------------------ tests

  @Test
  void offsetsArePendingUntilTheCommitMarker() {
    open();
    assertThat(txnCommitErrors(4, txnCommit(PRODUCER, "orders", 10, 20)))
        .containsExactly(Errors.NONE, Errors.NONE);

    assertThat(committed("orders", 0)).isEqualTo(-1);
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.EMPTY);

    marker(PRODUCER, true);

    OffsetFetchResponsePartitions p0 = fetch("orders", 0, true);
    assertThat(Errors.forCode(p0.errorCode())).isEqualTo(Errors.NONE);
    assertThat(p0.committedOffset()).isEqualTo(10);
    assertThat(p0.committedLeaderEpoch()).isEqualTo(2);
    assertThat(p0.metadata()).isEqualTo("tx0");
    assertThat(committed("orders", 1)).isEqualTo(20);
  }

  @Test
  void version5AddsTheGroupsPartitionToTheTransactionFirst() {
    open();
    TopicPartition offsets =
        new TopicPartition(OffsetsTopic.NAME, h.coordinator.partitionFor(GROUP));
    h.addAnswer = Errors.INVALID_PRODUCER_EPOCH; // the coordinator fenced the producer
    assertThat(txnCommitErrors(5, txnCommit(PRODUCER, "orders", 10, 20)))
        .containsExactly(Errors.INVALID_PRODUCER_EPOCH, Errors.INVALID_PRODUCER_EPOCH);
    assertThat(h.addedToTransactions).containsExactly(offsets);
    marker(PRODUCER, true);
    assertThat(committed("orders", 0)).as("nothing was written").isEqualTo(-1);

    h.addAnswer = Errors.NONE;
    assertThat(txnCommitErrors(5, txnCommit(PRODUCER, "orders", 10, 20)))
        .containsExactly(Errors.NONE, Errors.NONE);
    // Version 4 leaves the adding to the producer (AddOffsetsToTxn).
    assertThat(txnCommitError(4, txnCommit(PRODUCER, "orders", 11))).isEqualTo(Errors.NONE);
    assertThat(h.addedToTransactions).containsExactly(offsets, offsets);
    marker(PRODUCER, true);
    assertThat(committed("orders", 0)).isEqualTo(11);
    assertThat(committed("orders", 1)).isEqualTo(20);
  }

  @Test
  void anAbortMarkerDropsThePendingOffsets() {
    open();
    assertThat(plainCommit("orders", 5)).isEqualTo(Errors.NONE);
    assertThat(txnCommitError(4, txnCommit(PRODUCER, "orders", 10))).isEqualTo(Errors.NONE);

    marker(PRODUCER, false);

    assertThat(committed("orders", 0)).isEqualTo(5);
    assertThat(stableFetchError("orders", 0)).isEqualTo(Errors.NONE);
    marker(PRODUCER, true); // a later marker of the same producer finds nothing left
    assertThat(committed("orders", 0)).isEqualTo(5);
  }

  @Test
  void aGroupCreatedOnlyForAbortedOffsetsIsForgotten() {
    open();
    txnCommitError(4, txnCommit("short-lived", PRODUCER, (short) 0, "orders", 1));
    assertThat(h.coordinator.stateOf("short-lived")).contains(GroupState.EMPTY);

    int p = h.coordinator.partitionFor("short-lived");
    appendMarker(p, PRODUCER, (short) 0, false);
    h.coordinator.onTransactionCompleted(p, PRODUCER, false);

    assertThat(h.coordinator.stateOf("short-lived")).isEmpty();
  }

  @Test
  void requireStableAnswersUnstableOffsetCommitWhileAnOffsetIsPending() {
    open();
    assertThat(plainCommit("orders", 5, 6)).isEqualTo(Errors.NONE);
    txnCommitError(4, txnCommit(PRODUCER, "orders", 10));
    txnCommitError(4, txnCommit(PRODUCER, "refunds", 3));

    OffsetFetchResponsePartitions unstable = fetch("orders", 0, true);
    assertThat(Errors.forCode(unstable.errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
    assertThat(unstable.committedOffset()).isEqualTo(-1);
    assertThat(stableFetchError("orders", 1)).isEqualTo(Errors.NONE); // no transaction there
    assertThat(committed("orders", 0)).isEqualTo(5); // without requireStable: the committed one

    // All partitions: those with pending offsets are unstable, also one never committed before.
    OffsetFetchResponseData all =
        h.call(
            ApiKeys.OFFSET_FETCH,
            9,
            new OffsetFetchRequestData()
                .setRequireStable(true)
                .setGroups(
                    List.of(new OffsetFetchRequestGroup().setGroupId(GROUP).setTopics(null))));
    assertThat(all.groups().get(0).topics())
        .flatExtracting(
            t ->
                t.partitions().stream()
                    .map(
                        p ->
                            t.name()
                                + "-"
                                + p.partitionIndex()
                                + ":"
                                + Errors.forCode(p.errorCode()))
                    .toList())
        .containsExactlyInAnyOrder(
            "orders-0:UNSTABLE_OFFSET_COMMIT", "orders-1:NONE", "refunds-0:UNSTABLE_OFFSET_COMMIT");

    // v7, one group per request: the error is on the partition.
    OffsetFetchResponseData v7 =
        h.call(
            ApiKeys.OFFSET_FETCH,
            7,
            new OffsetFetchRequestData()
                .setGroupId(GROUP)
                .setRequireStable(true)
                .setTopics(
                    List.of(
                        new OffsetFetchRequestTopic()
                            .setName("orders")
                            .setPartitionIndexes(List.of(0, 1)))));
    assertThat(v7.topics().get(0).partitions())
        .extracting(p -> Errors.forCode(p.errorCode()))
        .containsExactly(Errors.UNSTABLE_OFFSET_COMMIT, Errors.NONE);

    marker(PRODUCER, true);

    assertThat(stableFetchError("orders", 0)).isEqualTo(Errors.NONE);
    assertThat(fetch("refunds", 0, true).committedOffset()).isEqualTo(3);
  }

  @Test
  void everyCommitOfATransactionIsInTheLogThoughTheirBatchesHaveTheSameSequence() {
    open();
    txnCommitError(4, txnCommit(PRODUCER, "orders", 10));
    txnCommitError(4, txnCommit(PRODUCER, "refunds", 3));
    marker(PRODUCER, true);

    h.restart(); // what the log holds, not what the coordinator remembered
    assertThat(committed("orders", 0)).isEqualTo(10);
    assertThat(committed("refunds", 0)).isEqualTo(3);
  }

  @Test
  void aPlainCommitWrittenAfterTheTransactionalOneWinsAtCommit() {
    open();
    // orders-0: transactional first, then a plain commit; orders-1: the other way round.
    txnCommitError(4, txnCommit(PRODUCER, "orders", 10));
    assertThat(plainCommit("orders", 20, 21)).isEqualTo(Errors.NONE);
    OffsetFetchResponsePartitions before = fetch("orders", 1, false);
    assertThat(before.committedOffset()).isEqualTo(21);
    TxnOffsetCommitRequestData second = txnCommit(PRODUCER, "orders", 0, 30);
    second.topics().get(0).partitions().remove(0);
    txnCommitError(4, second);

    marker(PRODUCER, true);

    assertThat(committed("orders", 0)).isEqualTo(20);
    assertThat(committed("orders", 1)).isEqualTo(30);

    h.restart(); // the replay compares the records' log offsets the same way
    assertThat(committed("orders", 0)).isEqualTo(20);
    assertThat(committed("orders", 1)).isEqualTo(30);
  }

  @Test
  void aRestartReplaysCommittedAbortedAndOpenTransactions() {
    open();
    long committedTxn = 4001;
    long abortedTxn = 4002;
    long openTxn = 4003;
    assertThat(plainCommit("orders", 1, 2, 3)).isEqualTo(Errors.NONE);
    TxnOffsetCommitRequestData c = txnCommit(committedTxn, "orders", 100);
    TxnOffsetCommitRequestData a = txnCommit(abortedTxn, "orders", 0, 200);
    a.topics().get(0).partitions().remove(0);
    TxnOffsetCommitRequestData o = txnCommit(openTxn, "orders", 0, 0, 300);
    o.topics().get(0).partitions().subList(0, 2).clear();
    assertThat(txnCommitError(4, c)).isEqualTo(Errors.NONE);
    assertThat(txnCommitError(4, a)).isEqualTo(Errors.NONE);
    assertThat(txnCommitError(4, o)).isEqualTo(Errors.NONE);
    marker(committedTxn, true);
    // The broker stops after writing this marker but before telling the coordinator.
    appendMarker(h.coordinator.partitionFor(GROUP), abortedTxn, (short) 0, false);

    h.restart();

    assertThat(committed("orders", 0)).isEqualTo(100);
    assertThat(committed("orders", 1)).isEqualTo(2);
    assertThat(committed("orders", 2)).isEqualTo(3);
    assertThat(stableFetchError("orders", 0)).isEqualTo(Errors.NONE);
    assertThat(stableFetchError("orders", 1)).isEqualTo(Errors.NONE);
    assertThat(stableFetchError("orders", 2)).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);

    marker(openTxn, true); // its marker comes after the restart

    assertThat(committed("orders", 2)).isEqualTo(300);
    assertThat(stableFetchError("orders", 2)).isEqualTo(Errors.NONE);
  }

  @Test
  void aMarkerThatArrivesWhileThePartitionLoadsIsAppliedOnceLoaded() {
    open();
    txnCommitError(4, txnCommit(PRODUCER, "orders", 10));
    duringLoad =
        p -> {
          if (p == h.coordinator.partitionFor(GROUP)) {
            duringLoad = null;
            // Written after the replay read the log: only the queued call can apply it.
            appendMarker(p, PRODUCER, (short) 0, true);
            h.coordinator.onTransactionCompleted(p, PRODUCER, true);
          }
        };

    h.restart();
    h.coordinator.onBecomeLeader(h.coordinator.partitionFor(GROUP));

    assertThat(duringLoad).isNull();
    assertThat(committed("orders", 0)).isEqualTo(10);
    assertThat(stableFetchError("orders", 0)).isEqualTo(Errors.NONE);
  }

  @Test
  void memberAndGenerationAreCheckedFromVersion3() {
    open();
    JoinGroupResponseData m = h.done(h.join(9, joinData(GROUP, "", "pod-1", "range")));
    h.done(h.sync(GROUP, 1, m.memberId(), Map.of()));

    TxnOffsetCommitRequestData fromMember = txnCommit(PRODUCER, "orders", 7);
    fromMember.setGenerationId(1).setMemberId(m.memberId()).setGroupInstanceId("pod-1");
    assertThat(txnCommitError(3, fromMember)).isEqualTo(Errors.NONE);

    TxnOffsetCommitRequestData staleGeneration = txnCommit(PRODUCER, "orders", 7);
    staleGeneration.setGenerationId(0).setMemberId(m.memberId());
    assertThat(txnCommitError(3, staleGeneration)).isEqualTo(Errors.ILLEGAL_GENERATION);

    TxnOffsetCommitRequestData unknownMember = txnCommit(PRODUCER, "orders", 7);
    unknownMember.setGenerationId(1).setMemberId("ghost");
    assertThat(txnCommitError(4, unknownMember)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

    TxnOffsetCommitRequestData fenced = txnCommit(PRODUCER, "orders", 7);
    fenced.setGenerationId(1).setMemberId("old-incarnation").setGroupInstanceId("pod-1");
    assertThat(txnCommitError(4, fenced)).isEqualTo(Errors.FENCED_INSTANCE_ID);

    TxnOffsetCommitRequestData unknownGroup =
        txnCommit("no-such-group", PRODUCER, (short) 0, "orders", 7);
    unknownGroup.setGenerationId(3).setMemberId("ghost");
    assertThat(txnCommitError(4, unknownGroup)).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(h.coordinator.stateOf("no-such-group")).isEmpty();

    // Without member and generation (v0-v2, or v3+ left unset) the group's members do not matter.
    assertThat(txnCommitError(2, txnCommit(PRODUCER, "orders", 8))).isEqualTo(Errors.NONE);
    assertThat(txnCommitError(4, txnCommit(PRODUCER, "orders", 9))).isEqualTo(Errors.NONE);

    marker(PRODUCER, true);
    assertThat(committed("orders", 0)).isEqualTo(9);
  }

  @Test
  void aTransactionalCommitBetweenJoinAndSyncIsAccepted() {
    open();
    JoinGroupResponseData m = h.done(h.joinNew(GROUP)); // CompletingRebalance until SyncGroup

    TxnOffsetCommitRequestData fromMember = txnCommit(PRODUCER, "orders", 7);
    fromMember.setGenerationId(1).setMemberId(m.memberId());
    assertThat(txnCommitError(4, fromMember)).isEqualTo(Errors.NONE);
  }

  @Test
  void requestErrors() {
    open();
    assertThat(txnCommitError(4, txnCommit("", PRODUCER, (short) 0, "orders", 1)))
        .isEqualTo(Errors.INVALID_GROUP_ID);
    assertThat(txnCommitError(4, txnCommit(GROUP, -1, (short) 0, "orders", 1)))
        .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    assertThat(h.coordinator.stateOf(GROUP)).isEmpty();

    TxnOffsetCommitRequestData tooLong = txnCommit(PRODUCER, "orders", 1, 2);
    tooLong.topics().get(0).partitions().get(0).setCommittedMetadata("x".repeat(5000));
    assertThat(txnCommitErrors(4, tooLong))
        .containsExactly(Errors.OFFSET_METADATA_TOO_LARGE, Errors.NONE);
    marker(PRODUCER, true);
    assertThat(committed("orders", 0)).isEqualTo(-1);
    assertThat(committed("orders", 1)).isEqualTo(2);
  }

  @Test
  void anOlderProducerEpochIsRefusedByTheLog() {
    open();
    assertThat(txnCommitError(4, txnCommit(GROUP, PRODUCER, (short) 3, "orders", 10)))
        .isEqualTo(Errors.NONE);

    assertThat(txnCommitError(4, txnCommit(GROUP, PRODUCER, (short) 2, "orders", 99)))
        .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);

    marker(PRODUCER, (short) 3, true);
    assertThat(committed("orders", 0)).isEqualTo(10);
  }

  @Test
  void pendingOffsetsKeepTheirGroupAndOffsetFromExpiring() {
    open();
    assertThat(plainCommit("orders", 5)).isEqualTo(Errors.NONE);
    txnCommitError(4, txnCommit(PRODUCER, "orders", 10));
    txnCommitError(4, txnCommit("only-pending", PRODUCER + 1, (short) 0, "orders", 1));

    h.advance(h.config.offsetsRetentionMs() + h.config.offsetsRetentionCheckIntervalMs());

    assertThat(committed("orders", 0)).isEqualTo(5);
    assertThat(h.coordinator.stateOf("only-pending")).contains(GroupState.EMPTY);
    marker(PRODUCER, true);
    assertThat(committed("orders", 0)).isEqualTo(10);
  }

  @Test
  void offsetDeleteAlsoDeletesPendingOffsetsButNotLaterOnes() {
    open();
    assertThat(plainCommit("orders", 5)).isEqualTo(Errors.NONE);
    txnCommitError(4, txnCommit(PRODUCER, "orders", 10, 11));

    OffsetDeleteResponseData r =
        h.done(
            h.send(
                ApiKeys.OFFSET_DELETE,
                0,
                new OffsetDeleteRequestData()
                    .setGroupId(GROUP)
                    .setTopics(
                        new OffsetDeleteRequestTopicCollection(
                            List.of(
                                    new OffsetDeleteRequestTopic()
                                        .setName("orders")
                                        .setPartitions(
                                            List.of(
                                                new OffsetDeleteRequestPartition()
                                                    .setPartitionIndex(0),
                                                new OffsetDeleteRequestPartition()
                                                    .setPartitionIndex(1))))
                                .iterator()))));
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    TxnOffsetCommitRequestData later = txnCommit(PRODUCER, "orders", 0, 12);
    later.topics().get(0).partitions().remove(0);
    txnCommitError(4, later); // written after the tombstones: it stays
    marker(PRODUCER, true);

    assertThat(committed("orders", 0)).isEqualTo(-1);
    assertThat(committed("orders", 1)).isEqualTo(12);
    h.restart();
    assertThat(committed("orders", 0)).isEqualTo(-1);
    assertThat(committed("orders", 1)).isEqualTo(12);
  }

  @Test
  void deletingAGroupDeletesItsPendingOffsetsToo() {
    open();
    txnCommitError(4, txnCommit(PRODUCER, "orders", 10));

    DeleteGroupsResponseData deleted =
        h.done(
            h.send(
                ApiKeys.DELETE_GROUPS,
                2,
                new DeleteGroupsRequestData().setGroupsNames(List.of(GROUP))));
    assertThat(Errors.forCode(deleted.results().find(GROUP).errorCode())).isEqualTo(Errors.NONE);
    marker(PRODUCER, true);

    assertThat(h.coordinator.stateOf(GROUP)).isEmpty();
    assertThat(committed("orders", 0)).isEqualTo(-1);
    h.restart();
    assertThat(h.coordinator.stateOf(GROUP)).isEmpty();
    assertThat(committed("orders", 0)).isEqualTo(-1);
  }
}
