package dev.eventshop.broker.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.coordinator.LogCoordinatorTopic;
import dev.eventshop.broker.coordinator.ManualTimer;
import dev.eventshop.broker.transaction.TransactionCoordinator.Description;
import dev.eventshop.broker.transaction.TransactionCoordinator.EndResult;
import dev.eventshop.broker.transaction.TransactionCoordinator.InitResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction coordinator over real {@code __transaction_state} logs, a manual clock and a
 * marker writer the test answers for the partition leaders. Every completion runs on the timer, so
 * a test runs the due tasks before it looks at an answer.
 */
@Timeout(10)
class TransactionCoordinatorTest {

  static final String ID = "checkout-txn";
  static final int TIMEOUT_MS = 10_000;
  static final int MAX_TIMEOUT_MS = 900_000;
  static final long ID_EXPIRATION_MS = 60_000;
  static final TransactionConfig CONFIG =
      new TransactionConfig(4, MAX_TIMEOUT_MS, 3_600_000, ID_EXPIRATION_MS, 3_600_000);
  static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);
  static final TopicPartition ORDERS_1 = new TopicPartition("orders", 1);
  static final TopicPartition PAYMENTS_0 = new TopicPartition("payments", 0);

  @TempDir Path dir;
  final ManualTimer timer = new ManualTimer();
  final AtomicLong nextProducerId = new AtomicLong(1000);
  // the cluster's finalized transaction.version
  final AtomicInteger transactionVersion = new AtomicInteger(2);
  final List<TransactionCoordinator> started = new ArrayList<>();
  LogCoordinatorTopic topic;
  RecordingMarkerWriter markers;
  TransactionCoordinator coordinator;

  @BeforeEach
  void start() {
    topic =
        new LogCoordinatorTopic(dir, TransactionCoordinator.TOPIC, CONFIG.stateTopicPartitions());
    markers = new RecordingMarkerWriter();
    coordinator = coordinator(markers);
  }

  @AfterEach
  void stop() {
    started.forEach(TransactionCoordinator::close);
    topic.close();
  }

  /** A coordinator over the test's topic, clock and producer ids, as another broker would be. */
  TransactionCoordinator coordinator(RecordingMarkerWriter writer) {
    TransactionCoordinator c =
        new TransactionCoordinator(
            CONFIG, topic, timer, nextProducerId::getAndIncrement, writer, transactionVersion::get);
    started.add(c);
    return c;
  }

  /** Runs what is due on the timer, then the answer, which must be there by then. */
  <T> T done(CompletableFuture<T> answer) {
    timer.runDue();
    assertThat(answer).isDone();
    return answer.join();
  }

  InitResult init(TransactionCoordinator c, String id) {
    return done(c.initProducerId(id, TIMEOUT_MS, RecordBatch.NO_PRODUCER_ID, (short) -1));
  }

  InitResult init(String id) {
    return init(coordinator, id);
  }

  /** A KIP-360 InitProducerId: the producer asks to bump the epoch it has. */
  InitResult bump(String id, long producerId, short epoch) {
    return done(coordinator.initProducerId(id, TIMEOUT_MS, producerId, epoch));
  }

  Errors add(TransactionCoordinator c, String id, InitResult producer, TopicPartition... tps) {
    return done(
        c.addPartitions(
            id, producer.producerId(), producer.producerEpoch(), List.of(tps), (short) 0));
  }

  Errors add(String id, InitResult producer, TopicPartition... tps) {
    return add(coordinator, id, producer, tps);
  }

  Errors end(TransactionCoordinator c, String id, InitResult producer, boolean commit) {
    return done(c.endTransaction(
            id, producer.producerId(), producer.producerEpoch(), commit, false))
        .error();
  }

  Errors end(String id, InitResult producer, boolean commit) {
    return end(coordinator, id, producer, commit);
  }

  static Description describe(TransactionCoordinator c, String id) {
    TransactionCoordinator.Described described = c.describe(id);
    assertThat(described.error()).isEqualTo(Errors.NONE);
    return described.description();
  }

  Description describe(String id) {
    return describe(coordinator, id);
  }

  /** What the log last says about {@code id}: null for a tombstone. */
  TransactionStateFormat.Snapshot lastRecordOf(String id) throws Exception {
    List<TransactionStateFormat.Snapshot> records = new ArrayList<>();
    topic.replay(
        coordinator.partitionFor(id),
        batch -> {
          for (Record record : batch) {
            if (TransactionStateFormat.transactionalId(record.key()).equals(id)) {
              records.add(record.hasValue() ? TransactionStateFormat.decode(record.value()) : null);
            }
          }
        });
    assertThat(records).as("a record of %s", id).isNotEmpty();
    return records.get(records.size() - 1);
  }

  /** A transactional id whose {@code __transaction_state} partition is not {@code id}'s. */
  String idOnAnotherPartitionThan(String id) {
    for (int i = 0; ; i++) {
      String other = "txn-" + i;
      if (coordinator.partitionFor(other) != coordinator.partitionFor(id)) {
        return other;
      }
    }
  }

  static InitResult producer(long producerId, int epoch) {
    return new InitResult(Errors.NONE, producerId, (short) epoch);
  }

  // ---------------------------------------------------------------- InitProducerId

  @Test
  void initProducerIdHandsOutANewProducerIdThenItsNextEpoch() throws Exception {
    InitResult first = init(ID);
    assertThat(first.error()).isEqualTo(Errors.NONE);
    assertThat(first.producerId()).isEqualTo(1000);
    assertThat(first.producerEpoch()).isEqualTo((short) 0);

    InitResult second = init(ID);
    assertThat(second).isEqualTo(producer(1000, 1));
    assertThat(init("another-txn").producerId()).isEqualTo(1001);
    assertThat(describe(ID).state()).isEqualTo(TransactionState.EMPTY);
    assertThat(lastRecordOf(ID)).isNotNull();
  }

  @Test
  void aTimeoutOfZeroOrAboveTheMaximumIsInvalid() {
    for (int timeoutMs : new int[] {0, -1, MAX_TIMEOUT_MS + 1}) {
      InitResult r =
          done(coordinator.initProducerId(ID, timeoutMs, RecordBatch.NO_PRODUCER_ID, (short) -1));
      assertThat(r.error())
          .as("timeout %d", timeoutMs)
          .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    }
    assertThat(coordinator.describe(ID).error()).isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND);
    assertThat(
            done(coordinator.initProducerId(
                    ID, MAX_TIMEOUT_MS, RecordBatch.NO_PRODUCER_ID, (short) -1))
                .error())
        .isEqualTo(Errors.NONE);
  }

  @Test
  void aProducerStartingDuringAnOpenTransactionAbortsItWithTheNextEpoch() {
    InitResult old = init(ID);
    add(ID, old, ORDERS_0, PAYMENTS_0);

    InitResult busy = init(ID);
    assertThat(busy.error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    RecordingMarkerWriter.Request abort = markers.single();
    assertThat(abort.commit()).isFalse();
    assertThat(abort.producerId()).isEqualTo(old.producerId());
    assertThat(abort.producerEpoch()).isEqualTo((short) 1);
    assertThat(abort.partitions()).containsExactlyInAnyOrder(ORDERS_0, PAYMENTS_0);
    assertThat(init(ID).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    // The old producer is fenced as soon as the abort is prepared.
    assertThat(end(ID, old, true)).isEqualTo(Errors.PRODUCER_FENCED);

    abort.written().complete(null);
    timer.runDue();
    assertThat(describe(ID).state()).isEqualTo(TransactionState.COMPLETE_ABORT);

    assertThat(init(ID)).isEqualTo(producer(old.producerId(), 2));
  }

  // ---------------------------------------------------------------- KIP-360 epoch bumps

  @Test
  void aProducerBumpsItsOwnEpochAndARetriedBumpGetsTheSameAnswer() {
    InitResult first = init(ID);

    InitResult bumped = bump(ID, first.producerId(), first.producerEpoch());
    assertThat(bumped).isEqualTo(producer(first.producerId(), 1));

    // The answer was lost and the producer asks again with what it had.
    assertThat(bump(ID, first.producerId(), first.producerEpoch())).isEqualTo(bumped);
    assertThat(describe(ID).producerEpoch()).isEqualTo((short) 1);

    assertThat(bump(ID, first.producerId() + 7, (short) 0).error())
        .isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(bump(ID, first.producerId(), (short) 5).error()).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(describe(ID).producerEpoch()).isEqualTo((short) 1);
  }

  @Test
  void aFencedProducerCannotBumpItselfBackIn() {
    InitResult zombie = init(ID);
    InitResult successor = init(ID); // a new instance with the same id fences the first

    assertThat(bump(ID, zombie.producerId(), zombie.producerEpoch()).error())
        .isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(describe(ID).producerEpoch()).isEqualTo(successor.producerEpoch());
  }

  @Test
  void aBumpForAnIdThatExpiredGetsANewProducerId() {
    InitResult before = init(ID);
    timer.advance(ID_EXPIRATION_MS);
    coordinator.expireIds();
    timer.runDue();

    // The producer learns (INVALID_PRODUCER_ID_MAPPING) that its id is gone and bumps its epoch.
    InitResult after = bump(ID, before.producerId(), before.producerEpoch());
    assertThat(after.error()).isEqualTo(Errors.NONE);
    assertThat(after.producerId()).isNotEqualTo(before.producerId());
    assertThat(after.producerEpoch()).isEqualTo((short) 0);
  }

  // ---------------------------------------------------------------- AddPartitionsToTxn

  @Test
  void addingPartitionsOpensTheTransaction() {
    InitResult p = init(ID);
    long start = timer.nowMs();

    assertThat(add(ID, p, ORDERS_0)).isEqualTo(Errors.NONE);
    timer.advance(100);
    assertThat(add(ID, p, ORDERS_0, PAYMENTS_0)).isEqualTo(Errors.NONE);

    Description d = describe(ID);
    assertThat(d.state()).isEqualTo(TransactionState.ONGOING);
    assertThat(d.partitions()).containsExactlyInAnyOrder(ORDERS_0, PAYMENTS_0);
    assertThat(d.startTimestampMs()).isEqualTo(start);
    assertThat(d.producerId()).isEqualTo(p.producerId());
    assertThat(d.timeoutMs()).isEqualTo(TIMEOUT_MS);
    assertThat(coordinator.list()).containsExactly(d);
  }

  @Test
  void addingPartitionsChecksTheProducer() {
    assertThat(add("unknown-txn", producer(1000, 0), ORDERS_0))
        .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);

    InitResult old = init(ID);
    InitResult current = init(ID);
    assertThat(add(ID, producer(current.producerId() + 1, current.producerEpoch()), ORDERS_0))
        .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    assertThat(add(ID, old, ORDERS_0)).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(describe(ID).state()).isEqualTo(TransactionState.EMPTY);
  }

  // ---------------------------------------------------------------- EndTxn

  @Test
  void aCommitIsAnsweredOncePreparedAndCompletedOnceTheMarkersAreWritten() throws Exception {
    init(ID);
    InitResult p = init(ID); // epoch 1, so that the markers' epoch is the producer's
    add(ID, p, ORDERS_0, ORDERS_1);

    CompletableFuture<EndResult> commit =
        coordinator.endTransaction(ID, p.producerId(), p.producerEpoch(), true, false);
    assertThat(commit).isNotDone();
    timer.runDue();
    assertThat(commit).isCompletedWithValue(EndResult.of(Errors.NONE));
    assertThat(lastRecordOf(ID).state()).isEqualTo(TransactionState.PREPARE_COMMIT);
    assertThat(describe(ID).state()).isEqualTo(TransactionState.PREPARE_COMMIT);

    RecordingMarkerWriter.Request request = markers.single();
    assertThat(request.commit()).isTrue();
    assertThat(request.producerId()).isEqualTo(p.producerId());
    assertThat(request.producerEpoch()).isEqualTo(p.producerEpoch());
    assertThat(request.coordinatorEpoch()).isEqualTo(0);
    assertThat(request.partitions()).containsExactlyInAnyOrder(ORDERS_0, ORDERS_1);
    assertThat(request.stillCoordinator().getAsBoolean()).isTrue();

    assertThat(add(ID, p, PAYMENTS_0)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(end(ID, p, true)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(end(ID, p, false)).isEqualTo(Errors.INVALID_TXN_STATE);

    request.written().complete(null);
    timer.runDue();
    Description d = describe(ID);
    assertThat(d.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
    assertThat(d.partitions()).isEmpty();
    assertThat(lastRecordOf(ID).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);

    assertThat(end(ID, p, true)).isEqualTo(Errors.NONE); // a retried commit
    assertThat(end(ID, p, false)).isEqualTo(Errors.INVALID_TXN_STATE);
    assertThat(markers.requests()).hasSize(1);

    // The next transaction starts afresh.
    assertThat(add(ID, p, PAYMENTS_0)).isEqualTo(Errors.NONE);
    assertThat(describe(ID).partitions()).containsExactly(PAYMENTS_0);
  }

  @Test
  void endingWithoutATransactionIsAnInvalidState() {
    InitResult p = init(ID);
    assertThat(end(ID, p, true)).isEqualTo(Errors.INVALID_TXN_STATE);
    assertThat(end(ID, p, false)).isEqualTo(Errors.INVALID_TXN_STATE);
    assertThat(end("unknown-txn", p, true)).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    assertThat(markers.requests()).isEmpty();
  }

  // ---------------------------------------------------------------- transaction version 2

  /** An EndTxn v5: the end bumps the epoch and the answer names the pair to go on with. */
  EndResult endV2(String id, long producerId, int epoch, boolean commit) {
    return done(coordinator.endTransaction(id, producerId, (short) epoch, commit, true));
  }

  Errors addV2(String id, long producerId, int epoch, TopicPartition... tps) {
    return done(coordinator.addPartitions(id, producerId, (short) epoch, List.of(tps), (short) 2));
  }

  static EndResult ended(long producerId, int epoch) {
    return new EndResult(Errors.NONE, producerId, (short) epoch);
  }

  /** Writes the markers the coordinator asked for last, and lets it complete. */
  void markersWritten() {
    List<RecordingMarkerWriter.Request> requests = markers.requests();
    requests.get(requests.size() - 1).written().complete(null);
    timer.runDue();
  }

  @Test
  void aVersion2EndBumpsTheEpochForTheMarkersAndTheNextTransaction() throws Exception {
    InitResult p = init(ID);
    long id = p.producerId();
    assertThat(addV2(ID, id, 0, ORDERS_0)).isEqualTo(Errors.NONE);
    assertThat(lastRecordOf(ID).clientTransactionVersion()).isEqualTo((short) 2);

    assertThat(endV2(ID, id, 0, true)).isEqualTo(ended(id, 1));
    RecordingMarkerWriter.Request request = markers.single();
    assertThat(request.producerEpoch()).isEqualTo((short) 1);
    assertThat(lastRecordOf(ID).state()).isEqualTo(TransactionState.PREPARE_COMMIT);
    assertThat(lastRecordOf(ID).producerEpoch()).isEqualTo((short) 1);
    // While the markers are written, the producer's next transaction waits.
    assertThat(addV2(ID, id, 1, ORDERS_1)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(endV2(ID, id, 0, true)).isEqualTo(EndResult.of(Errors.CONCURRENT_TRANSACTIONS));

    markersWritten();
    assertThat(describe(ID).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
    assertThat(describe(ID).producerEpoch()).isEqualTo((short) 1);
    // The producer's retry of its commit gets the same answer; the old epoch nothing more.
    assertThat(endV2(ID, id, 0, true)).isEqualTo(ended(id, 1));
    assertThat(endV2(ID, id, 0, false)).isEqualTo(EndResult.of(Errors.INVALID_TXN_STATE));
    assertThat(addV2(ID, id, 0, ORDERS_1)).isEqualTo(Errors.PRODUCER_FENCED);
    assertThat(markers.requests()).hasSize(1);

    assertThat(addV2(ID, id, 1, ORDERS_1)).isEqualTo(Errors.NONE);
    assertThat(endV2(ID, id, 1, false)).isEqualTo(ended(id, 2));
    assertThat(markers.requests().get(1).producerEpoch()).isEqualTo((short) 2);
    assertThat(markers.requests().get(1).commit()).isFalse();
  }

  @Test
  void aVersion2AbortWithNothingAddedStillBumpsTheEpoch() throws Exception {
    InitResult p = init(ID);
    long id = p.producerId();
    assertThat(endV2(ID, id, 0, true)).isEqualTo(EndResult.of(Errors.INVALID_TXN_STATE));

    assertThat(endV2(ID, id, 0, false)).isEqualTo(ended(id, 1));
    assertThat(markers.single().partitions()).isEmpty();
    markersWritten();
    assertThat(describe(ID).state()).isEqualTo(TransactionState.COMPLETE_ABORT);
    assertThat(lastRecordOf(ID).producerEpoch()).isEqualTo((short) 1);
    // a retry; then a new abort at the current epoch, again with nothing added
    assertThat(endV2(ID, id, 0, false)).isEqualTo(ended(id, 1));
    assertThat(endV2(ID, id, 1, false)).isEqualTo(ended(id, 2));
  }

  @Test
  void aVersion2EndFromAnOlderOrNewerEpochIsFenced() {
    InitResult p = init(ID);
    init(ID); // epoch 1
    long id = p.producerId();
    assertThat(addV2(ID, id, 1, ORDERS_0)).isEqualTo(Errors.NONE);

    assertThat(endV2(ID, id, 0, true)).isEqualTo(EndResult.of(Errors.PRODUCER_FENCED));
    assertThat(endV2(ID, id, 2, true)).isEqualTo(EndResult.of(Errors.PRODUCER_FENCED));
    assertThat(endV2(ID, id + 1, 1, true))
        .isEqualTo(EndResult.of(Errors.INVALID_PRODUCER_ID_MAPPING));
    assertThat(markers.requests()).isEmpty();
  }

  @Test
  void aVersion2EndAtTheLastEpochMovesTheProducerToANewId() throws Exception {
    long id = 4242;
    short last = Short.MAX_VALUE - 1;
    topic
        .append(
            coordinator.partitionFor(ID),
            org.apache.kafka.common.record.MemoryRecords.withRecords(
                org.apache.kafka.common.compress.Compression.NONE,
                new org.apache.kafka.common.record.SimpleRecord(
                    0,
                    TransactionStateFormat.key(ID),
                    TransactionStateFormat.value(
                        new TransactionStateFormat.Snapshot(
                            id,
                            last,
                            TIMEOUT_MS,
                            TransactionState.ONGOING,
                            java.util.Set.of(ORDERS_0),
                            0,
                            0,
                            (short) 2,
                            RecordBatch.NO_PRODUCER_ID,
                            RecordBatch.NO_PRODUCER_ID),
                        (short) 1))),
            0)
        .join();
    topic.moveLeaderEpochTo(1);
    RecordingMarkerWriter nextMarkers = new RecordingMarkerWriter();
    coordinator = coordinator(nextMarkers);
    markers = nextMarkers;
    coordinator.onBecomeLeader(coordinator.partitionFor(ID), 1);
    timer.runDue();

    long next = nextProducerId.get();
    assertThat(endV2(ID, id, last, true)).isEqualTo(ended(next, 0));
    assertThat(markers.single().producerId()).isEqualTo(id);
    assertThat(markers.single().producerEpoch()).isEqualTo(Short.MAX_VALUE);
    assertThat(lastRecordOf(ID).nextProducerId()).isEqualTo(next);

    // A coordinator taking over before the markers are written moves the producer alike.
    topic.moveLeaderEpochTo(2);
    coordinator.onResign(coordinator.partitionFor(ID));
    markers = new RecordingMarkerWriter();
    coordinator = coordinator(markers);
    coordinator.onBecomeLeader(coordinator.partitionFor(ID), 2);
    timer.runDue();
    assertThat(markers.single().producerEpoch()).isEqualTo(Short.MAX_VALUE);
    markersWritten();

    assertThat(describe(ID).producerId()).isEqualTo(next);
    assertThat(describe(ID).producerEpoch()).isEqualTo((short) 0);
    assertThat(lastRecordOf(ID).producerId()).isEqualTo(next);
    // The retry of that commit with the old pair gets the new one.
    assertThat(endV2(ID, id, last, true)).isEqualTo(ended(next, 0));
    assertThat(addV2(ID, next, 0, ORDERS_1)).isEqualTo(Errors.NONE);
  }

  @Test
  void aChangeBeingWrittenIsAnsweredBeforeTheProducerIsChecked() {
    InitResult p = init(ID);
    // written, but applied only when the timer runs
    CompletableFuture<Errors> first =
        coordinator.addPartitions(
            ID, p.producerId(), p.producerEpoch(), List.of(ORDERS_0), (short) 2);
    // A producer already holding the next epoch, as after an EndTxn of version 2, is not fenced.
    CompletableFuture<Errors> second =
        coordinator.addPartitions(ID, p.producerId(), (short) 1, List.of(ORDERS_1), (short) 2);
    assertThat(second).isCompletedWithValue(Errors.CONCURRENT_TRANSACTIONS);
    assertThat(done(first)).isEqualTo(Errors.NONE);
    assertThat(addV2(ID, p.producerId(), 1, ORDERS_1)).isEqualTo(Errors.PRODUCER_FENCED);
  }

  @Test
  void verifyOnlyTellsWhichPartitionsTheOpenTransactionHas() {
    InitResult p = init(ID);
    add(ID, p, ORDERS_0);

    assertThat(
            coordinator.verifyPartitions(
                ID, p.producerId(), p.producerEpoch(), List.of(ORDERS_0, ORDERS_1)))
        .containsEntry(ORDERS_0, Errors.NONE)
        .containsEntry(ORDERS_1, Errors.TRANSACTION_ABORTABLE);
    assertThat(coordinator.verifyPartitions(ID, p.producerId(), (short) 5, List.of(ORDERS_0)))
        .containsEntry(ORDERS_0, Errors.PRODUCER_FENCED);
    assertThat(coordinator.verifyPartitions("other", 1, (short) 0, List.of(ORDERS_0)))
        .containsEntry(ORDERS_0, Errors.INVALID_PRODUCER_ID_MAPPING);
  }

  @Test
  void recordsAreWrittenAtTheValueVersionOfTheClustersTransactionVersion() throws Exception {
    transactionVersion.set(0);
    InitResult p = init(ID);
    add(ID, p, ORDERS_0);
    List<Short> versions = new ArrayList<>();
    topic.replay(
        coordinator.partitionFor(ID),
        batch -> {
          for (Record record : batch) {
            versions.add(record.value().getShort(0));
          }
        });
    assertThat(versions).containsOnly((short) 0);
  }

  // ---------------------------------------------------------------- timers

  @Test
  void aTransactionOpenLongerThanItsTimeoutIsAbortedWithTheNextEpoch() {
    String young = idOnAnotherPartitionThan(ID);
    InitResult old = init(ID);
    add(ID, old, ORDERS_0);
    timer.advance(TIMEOUT_MS / 2);
    InitResult fresh = init(young);
    add(young, fresh, PAYMENTS_0);

    timer.advance(TIMEOUT_MS / 2);
    coordinator.abortTimedOut();
    timer.runDue();
    assertThat(markers.requests()).as("a transaction exactly as old as its timeout").isEmpty();

    timer.advance(1);
    coordinator.abortTimedOut();
    timer.runDue();
    RecordingMarkerWriter.Request abort = markers.single();
    assertThat(abort.commit()).isFalse();
    assertThat(abort.producerId()).isEqualTo(old.producerId());
    assertThat(abort.producerEpoch()).isEqualTo((short) (old.producerEpoch() + 1));
    assertThat(abort.partitions()).containsExactly(ORDERS_0);
    assertThat(describe(young).state()).isEqualTo(TransactionState.ONGOING);

    abort.written().complete(null);
    timer.runDue();
    Description d = describe(ID);
    assertThat(d.state()).isEqualTo(TransactionState.COMPLETE_ABORT);
    assertThat(d.producerEpoch()).isEqualTo((short) 1);
    assertThat(end(ID, old, true)).isEqualTo(Errors.PRODUCER_FENCED);
  }

  @Test
  void anIdleIdExpiresWithATombstone() throws Exception {
    String busy = idOnAnotherPartitionThan(ID);
    init(ID);
    InitResult b = done(coordinator.initProducerId(busy, MAX_TIMEOUT_MS, -1, (short) -1));
    add(busy, b, ORDERS_0);

    timer.advance(ID_EXPIRATION_MS - 1);
    coordinator.expireIds();
    timer.runDue();
    assertThat(describe(ID).state()).isEqualTo(TransactionState.EMPTY);

    timer.advance(1);
    coordinator.expireIds();
    timer.runDue();
    assertThat(coordinator.describe(ID).error()).isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND);
    assertThat(lastRecordOf(ID)).as("a tombstone").isNull();
    assertThat(describe(busy).state())
        .as("an open transaction keeps its id")
        .isEqualTo(TransactionState.ONGOING);

    // Forgotten for good: a new coordinator does not load it, and the id starts over.
    topic.moveLeaderEpochTo(1);
    TransactionCoordinator next = coordinator(new RecordingMarkerWriter());
    next.onBecomeLeader(next.partitionFor(ID), 1);
    assertThat(next.describe(ID).error()).isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND);
  }

  // ---------------------------------------------------------------- failover

  @Test
  void aNewCoordinatorOverTheSameLogsSeesTheSameState() {
    String done = idOnAnotherPartitionThan(ID);
    InitResult p = init(ID);
    add(ID, p, ORDERS_0, PAYMENTS_0);
    InitResult q = init(done);
    add(done, q, ORDERS_1);
    end(done, q, true);
    markers.single().written().complete(null);
    timer.runDue();
    Description open = describe(ID);
    Description committed = describe(done);

    topic.moveLeaderEpochTo(1);
    coordinator.onResign(coordinator.partitionFor(ID));
    coordinator.onResign(coordinator.partitionFor(done));
    RecordingMarkerWriter nextMarkers = new RecordingMarkerWriter();
    TransactionCoordinator next = coordinator(nextMarkers);
    next.onBecomeLeader(next.partitionFor(ID), 1);
    next.onBecomeLeader(next.partitionFor(done), 1);

    assertThat(describe(next, ID)).isEqualTo(open);
    assertThat(describe(next, done)).isEqualTo(committed);
    assertThat(nextMarkers.requests()).isEmpty();

    // The producer carries on with the new coordinator.
    assertThat(end(next, ID, p, true)).isEqualTo(Errors.NONE);
    assertThat(nextMarkers.single().coordinatorEpoch()).isEqualTo(1);
    assertThat(init(next, done)).isEqualTo(producer(q.producerId(), q.producerEpoch() + 1));
  }

  @Test
  void aNewCoordinatorFinishesATransactionLeftPreparingToCommit() throws Exception {
    InitResult p = init(ID);
    add(ID, p, ORDERS_0, ORDERS_1);
    assertThat(end(ID, p, true)).isEqualTo(Errors.NONE);
    RecordingMarkerWriter.Request unfinished = markers.single();

    int partition = coordinator.partitionFor(ID);
    topic.moveLeaderEpochTo(1);
    coordinator.onResign(partition);
    unfinished.written().completeExceptionally(new NotCoordinatorException("resigned"));
    timer.runDue();

    RecordingMarkerWriter nextMarkers = new RecordingMarkerWriter();
    TransactionCoordinator next = coordinator(nextMarkers);
    next.onBecomeLeader(partition, 1);
    timer.runDue();

    RecordingMarkerWriter.Request again = nextMarkers.single();
    assertThat(again.commit()).isTrue();
    assertThat(again.coordinatorEpoch()).isEqualTo(1);
    assertThat(again.producerId()).isEqualTo(p.producerId());
    assertThat(again.producerEpoch()).isEqualTo(p.producerEpoch());
    assertThat(again.partitions()).containsExactlyInAnyOrder(ORDERS_0, ORDERS_1);
    assertThat(end(next, ID, p, true)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

    again.written().complete(null);
    timer.runDue();
    assertThat(describe(next, ID).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
    assertThat(lastRecordOf(ID).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
    assertThat(end(next, ID, p, true)).isEqualTo(Errors.NONE);
  }

  @Test
  void afterResigningRequestsGetNotCoordinatorAndLateMarkersChangeNothing() throws Exception {
    InitResult p = init(ID);
    add(ID, p, ORDERS_0);
    end(ID, p, true);
    RecordingMarkerWriter.Request request = markers.single();

    coordinator.onResign(coordinator.partitionFor(ID));
    assertThat(request.stillCoordinator().getAsBoolean()).isFalse();
    assertThat(init(ID).error()).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(add(ID, p, ORDERS_1)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(end(ID, p, true)).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(coordinator.describe(ID).error()).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(coordinator.list()).isEmpty();

    request.written().complete(null);
    timer.runDue();
    assertThat(lastRecordOf(ID).state()).isEqualTo(TransactionState.PREPARE_COMMIT);
  }

  @Test
  void aSingleNodeLoadsAPartitionOnItsFirstRequest() {
    InitResult p = init(ID);
    add(ID, p, ORDERS_0);

    TransactionCoordinator restarted = coordinator(new RecordingMarkerWriter());
    assertThat(restarted.list()).as("nothing loaded yet").isEmpty();
    assertThat(describe(restarted, ID).state()).isEqualTo(TransactionState.ONGOING);
    assertThat(restarted.list()).extracting(Description::transactionalId).containsExactly(ID);

    topic.ledHere(false);
    TransactionCoordinator follower = coordinator(new RecordingMarkerWriter());
    assertThat(follower.describe(ID).error()).isEqualTo(Errors.NOT_COORDINATOR);
  }

  @Test
  void listShowsOnlyTheIdsOfLoadedPartitions() {
    String other = idOnAnotherPartitionThan(ID);
    init(ID);
    init(other);
    assertThat(coordinator.list())
        .extracting(Description::transactionalId)
        .containsExactlyInAnyOrder(ID, other);

    coordinator.onResign(coordinator.partitionFor(other));
    assertThat(coordinator.list()).extracting(Description::transactionalId).containsExactly(ID);

    topic.moveLeaderEpochTo(1);
    TransactionCoordinator next = coordinator(new RecordingMarkerWriter());
    next.onBecomeLeader(next.partitionFor(other), 1);
    assertThat(next.list()).extracting(Description::transactionalId).containsExactly(other);
  }

  // ---------------------------------------------------------------- failed writes

  @Test
  void aFailedWriteIsCoordinatorNotAvailableAndChangesNothing() {
    InitResult p = init(ID);
    Description empty = describe(ID);

    topic.failAppends(true);
    assertThat(add(ID, p, ORDERS_0)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(init(ID).error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(describe(ID)).isEqualTo(empty);

    topic.failAppends(false);
    assertThat(add(ID, p, ORDERS_0)).isEqualTo(Errors.NONE);
    Description open = describe(ID);

    topic.failAppends(true);
    assertThat(end(ID, p, true)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(describe(ID)).isEqualTo(open);
    assertThat(markers.requests()).isEmpty();

    topic.failAppends(false);
    assertThat(end(ID, p, true)).isEqualTo(Errors.NONE);
    assertThat(markers.single().commit()).isTrue();
  }

  @Test
  void aCompletionThatFailsToBeWrittenIsWrittenAgainLater() throws Exception {
    InitResult p = init(ID);
    add(ID, p, ORDERS_0);
    end(ID, p, false);

    topic.failAppends(true);
    markers.single().written().complete(null);
    timer.runDue();
    assertThat(describe(ID).state()).isEqualTo(TransactionState.PREPARE_ABORT);

    topic.failAppends(false);
    timer.advance(1_000);
    assertThat(describe(ID).state()).isEqualTo(TransactionState.COMPLETE_ABORT);
    assertThat(lastRecordOf(ID).state()).isEqualTo(TransactionState.COMPLETE_ABORT);
  }
}
