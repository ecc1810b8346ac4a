package dev.eventshop.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Appends to {@code __consumer_offsets} that are committed later, as with acks=all replication:
 * nothing is answered or visible before the records are committed.
 */
@Timeout(10)
class DelayedAppendTest {

  @TempDir Path dir;
  GroupHarness h;
  ControlledAppends appends;

  @BeforeEach
  void open() {
    h =
        ControlledAppends.harness(
            dir,
            a -> {
              appends = a;
              appends.hold = true;
            });
  }

  @AfterEach
  void close() {
    h.close();
  }

  long committed(String group) {
    OffsetFetchResponseData r =
        h.call(
            ApiKeys.OFFSET_FETCH,
            9,
            new OffsetFetchRequestData()
                .setGroups(
                    List.of(new OffsetFetchRequestGroup().setGroupId(group).setTopics(null))));
    return r.groups().get(0).topics().isEmpty()
        ? -1
        : r.groups().get(0).topics().get(0).partitions().get(0).committedOffset();
  }

  @Test
  void syncIsAnsweredOnlyOnceTheAssignmentIsCommitted() {
    JoinGroupResponseData m = h.done(h.joinNew("g"));
    CompletableFuture<SyncGroupResponseData> sync =
        h.sync("g", 1, m.memberId(), Map.of(m.memberId(), new byte[] {1}));

    assertThat(sync).isNotDone();
    appends.releaseAll();
    h.advance(0); // the completion hops to the coordinator's timer thread

    assertThat(h.done(sync).assignment()).containsExactly(1);
    assertThat(h.coordinator.stateOf("g")).contains(GroupState.STABLE);
  }

  @Test
  void offsetsBecomeVisibleOnlyOnceCommitted() {
    CompletableFuture<OffsetCommitResponseData> commit =
        h.send(ApiKeys.OFFSET_COMMIT, 8, OffsetCommitsTest.commit("tool", -1, "", "t", 5));

    assertThat(commit).isNotDone();
    assertThat(committed("tool")).isEqualTo(-1);
    appends.releaseAll();
    h.advance(0);

    assertThat(h.done(commit).topics().get(0).partitions().get(0).errorCode()).isZero();
    assertThat(committed("tool")).isEqualTo(5);
  }

  Errors stableFetchError(String group) {
    OffsetFetchResponseData r =
        h.call(
            ApiKeys.OFFSET_FETCH,
            9,
            new OffsetFetchRequestData()
                .setRequireStable(true)
                .setGroups(
                    List.of(new OffsetFetchRequestGroup().setGroupId(group).setTopics(null))));
    return r.groups().get(0).topics().isEmpty()
        ? Errors.NONE
        : Errors.forCode(r.groups().get(0).topics().get(0).partitions().get(0).errorCode());
  }

  @Test
  void aTransactionalCommitIsAnsweredOnceCommittedAndPendingMeanwhile() {
    CompletableFuture<TxnOffsetCommitResponseData> commit =
        h.send(
            ApiKeys.TXN_OFFSET_COMMIT,
            4,
            TxnOffsetCommitsTest.txnCommit("eos", 77, (short) 0, "t", 5));

    assertThat(commit).isNotDone();
    assertThat(stableFetchError("eos")).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
    appends.releaseAll();
    assertThat(commit).isNotDone(); // the completion hops to the coordinator's timer thread
    h.advance(0);

    assertThat(h.done(commit).topics().get(0).partitions().get(0).errorCode()).isZero();
    assertThat(stableFetchError("eos")).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);
  }

  @Test
  void aFailedTransactionalAppendLeavesNothingPending() {
    CompletableFuture<TxnOffsetCommitResponseData> commit =
        h.send(
            ApiKeys.TXN_OFFSET_COMMIT,
            4,
            TxnOffsetCommitsTest.txnCommit("eos", 77, (short) 0, "t", 5));

    appends.failAll();
    h.advance(0);

    assertThat(Errors.forCode(h.done(commit).topics().get(0).partitions().get(0).errorCode()))
        .isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(stableFetchError("eos")).isEqualTo(Errors.NONE);
    assertThat(h.coordinator.stateOf("eos")).isEmpty(); // created for the commit, then forgotten
  }

  @Test
  void aFailedAppendIsReportedWithACoordinatorError() {
    CompletableFuture<OffsetCommitResponseData> commit =
        h.send(ApiKeys.OFFSET_COMMIT, 8, OffsetCommitsTest.commit("tool", -1, "", "t", 5));

    appends.failAll();
    h.advance(0);

    assertThat(Errors.forCode(h.done(commit).topics().get(0).partitions().get(0).errorCode()))
        .isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(committed("tool")).isEqualTo(-1);
  }
}
