package dev.eventshop.broker.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.producer.ProducerStateManager.Check;
import dev.eventshop.broker.producer.ProducerStateManager.CompletedTxn;
import dev.eventshop.broker.producer.ProducerStateManager.ProducerSummary;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.storage.internals.log.BatchMetadata;
import org.apache.kafka.storage.internals.log.ProducerStateEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerStateManagerTest {

  static final long NOW = 1_700_000_000_000L;

  @TempDir Path dir;

  /** A transactional batch as the log stored it, at {@code offset}, one record per value. */
  static RecordBatch txn(
      long offset, long producerId, short epoch, int sequence, long timestamp, String... values) {
    return MemoryRecords.withTransactionalRecords(
            offset, Compression.NONE, producerId, epoch, sequence, 0, simple(timestamp, values))
        .batches()
        .iterator()
        .next();
  }

  static RecordBatch txn(long offset, long producerId, int sequence, String... values) {
    return txn(offset, producerId, (short) 0, sequence, NOW, values);
  }

  static RecordBatch idempotent(
      long offset, long producerId, short epoch, int sequence, long timestamp, String... values) {
    return MemoryRecords.withIdempotentRecords(
            offset, Compression.NONE, producerId, epoch, sequence, 0, simple(timestamp, values))
        .batches()
        .iterator()
        .next();
  }

  /** A batch with a producer id but no sequence number ({@link BatchWithoutSequence}). */
  static RecordBatch withoutSequence(
      long offset, long producerId, short epoch, boolean transactional, String value) {
    return BatchWithoutSequence.of(offset, producerId, epoch, transactional, simple(NOW, value))
        .batches()
        .iterator()
        .next();
  }

  static RecordBatch marker(
      long offset,
      long producerId,
      short epoch,
      ControlRecordType type,
      int coordinatorEpoch,
      long timestamp) {
    return MemoryRecords.withEndTransactionMarker(
            offset,
            timestamp,
            0,
            producerId,
            epoch,
            new EndTransactionMarker(type, coordinatorEpoch))
        .batches()
        .iterator()
        .next();
  }

  static RecordBatch commit(long offset, long producerId, int coordinatorEpoch) {
    return marker(offset, producerId, (short) 0, ControlRecordType.COMMIT, coordinatorEpoch, NOW);
  }

  static RecordBatch abort(long offset, long producerId, int coordinatorEpoch) {
    return marker(offset, producerId, (short) 0, ControlRecordType.ABORT, coordinatorEpoch, NOW);
  }

  static SimpleRecord[] simple(long timestamp, String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] =
          new SimpleRecord(
              timestamp,
              ("k-" + values[i]).getBytes(StandardCharsets.UTF_8),
              values[i].getBytes(StandardCharsets.UTF_8));
    }
    return records;
  }

  @Test
  void aCommitMarkerClosesTheTransactionItsFirstBatchOpened() {
    ProducerStateManager state = new ProducerStateManager(dir);

    assertThat(state.update(txn(0, 7, 0, "a", "b"))).isNull();
    assertThat(state.update(txn(2, 7, 2, "c"))).as("already open").isNull();
    assertThat(state.hasOpenTxn(7)).isTrue();
    assertThat(state.firstUnstableOffset()).hasValue(0);

    CompletedTxn completed = state.update(commit(3, 7, 4));

    assertThat(completed).isEqualTo(new CompletedTxn(7, 0, 3, false));
    assertThat(state.hasOpenTxn(7)).isFalse();
    assertThat(state.firstUnstableOffset()).isEmpty();
    assertThat(state.producers())
        .extracting(ProducerSummary::coordinatorEpoch, ProducerSummary::currentTxnStartOffset)
        .containsExactly(tuple(4, -1L));
  }

  @Test
  void anAbortMarkerClosesTheTransactionAsAbortedAndTheNextBatchOpensANewOne() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(10, 7, 0, "a"));

    assertThat(state.update(abort(11, 7, 2))).isEqualTo(new CompletedTxn(7, 10, 11, true));

    state.update(txn(12, 7, 1, "b"));
    assertThat(state.firstUnstableOffset()).hasValue(12);
    assertThat(state.update(commit(13, 7, 2))).isEqualTo(new CompletedTxn(7, 12, 13, false));
  }

  @Test
  void aMarkerForATransactionThatWroteNothingHereCompletesNothingButKeepsTheCoordinatorEpoch() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(idempotent(0, 7, (short) 0, 0, NOW, "a"));

    assertThat(state.update(commit(1, 7, 5))).isNull();

    assertThat(state.producers()).extracting(ProducerSummary::coordinatorEpoch).containsExactly(5);
    assertThat(state.firstUnstableOffset()).isEmpty();
  }

  @Test
  void theFirstUnstableOffsetIsTheFirstOffsetOfTheOldestOpenTransaction() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(0, 7, 0, "a"));
    state.update(txn(1, 8, 0, "b"));
    state.update(txn(2, 7, 1, "c"));

    assertThat(state.firstUnstableOffset()).hasValue(0);
    state.update(commit(3, 8, 0));
    assertThat(state.firstUnstableOffset()).as("8 closed, 7 still open").hasValue(0);
    state.update(txn(4, 8, 1, "d"));
    state.update(abort(5, 7, 0));
    assertThat(state.firstUnstableOffset()).as("8's second transaction").hasValue(4);
    state.update(commit(6, 8, 0));
    assertThat(state.firstUnstableOffset()).isEmpty();
  }

  @Test
  void aSnapshotKeepsAnOpenTransactionAndTheCoordinatorEpoch() throws IOException {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(0, 7, 0, "a"));
    state.update(commit(1, 7, 3));
    state.update(idempotent(2, 8, (short) 2, 0, NOW, "b", "c"));
    state.update(txn(4, 7, 1, "d"));
    state.takeSnapshot(5);

    ProducerStateManager loaded = new ProducerStateManager(dir);
    assertThat(loaded.loadSnapshot(5)).isEqualTo(5);

    assertThat(loaded.producers()).isEqualTo(state.producers());
    assertThat(loaded.firstUnstableOffset()).hasValue(4);
    assertThat(loaded.hasOpenTxn(7)).isTrue();
    assertThatThrownBy(() -> loaded.checkMarker(7, (short) 0, 2))
        .isInstanceOf(TransactionCoordinatorFencedException.class);
    assertThat(loaded.check(txn(5, 7, 2, "e"), AppendOrigin.CLIENT))
        .isInstanceOf(Check.Append.class);
    assertThat(loaded.update(commit(6, 7, 3))).isEqualTo(new CompletedTxn(7, 4, 6, false));
  }

  @Test
  void snapshotsAreInKafkasFormatVersionOne() throws IOException {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(0, 7, (short) 1, 0, NOW, "a", "b"));
    state.update(marker(2, 7, (short) 1, ControlRecordType.ABORT, 6, NOW + 1));
    state.update(txn(3, 7, (short) 1, 2, NOW + 2, "c"));
    state.update(idempotent(4, 8, (short) 0, 0, NOW + 3, "d", "e", "f"));
    state.takeSnapshot(7);

    List<ProducerStateEntry> read =
        org.apache.kafka.storage.internals.log.ProducerStateManager.readSnapshot(
            dir.resolve("00000000000000000007.snapshot").toFile());

    assertThat(read)
        .extracting(
            ProducerStateEntry::producerId,
            ProducerStateEntry::producerEpoch,
            ProducerStateEntry::lastSeq,
            ProducerStateEntry::lastDataOffset,
            ProducerStateEntry::lastOffsetDelta,
            ProducerStateEntry::lastTimestamp,
            ProducerStateEntry::coordinatorEpoch,
            ProducerStateEntry::currentTxnFirstOffset)
        .containsExactlyInAnyOrder(
            tuple(7L, (short) 1, 2, 3L, 0, NOW + 2, 6, OptionalLong.of(3)),
            tuple(8L, (short) 0, 2, 6L, 2, NOW + 3, -1, OptionalLong.empty()));
  }

  @Test
  void aSnapshotKafkaWroteLoadsWithItsOpenTransaction() throws IOException {
    File file = dir.resolve("00000000000000000009.snapshot").toFile();
    ProducerStateEntry entry =
        new ProducerStateEntry(
            7, (short) 2, 4, NOW, OptionalLong.of(5), Optional.of(new BatchMetadata(3, 8, 1, NOW)));
    org.apache.kafka.storage.internals.log.ProducerStateManager.writeSnapshot(
        file, Map.of(7L, entry), false);

    ProducerStateManager loaded = new ProducerStateManager(dir);

    assertThat(loaded.loadSnapshot(9)).isEqualTo(9);
    assertThat(loaded.producers()).containsExactly(new ProducerSummary(7, (short) 2, 3, NOW, 4, 5));
    assertThat(loaded.firstUnstableOffset()).hasValue(5);
  }

  @Test
  void afterAVersion2MarkerTheNextEpochStartsAtSequence0() {
    ProducerStateManager state = new ProducerStateManager(dir);
    // Transaction version 2: the marker carries the next epoch, and the producer's next
    // transaction starts there at sequence 0; a batch skipping ahead is out of order.
    state.update(txn(0, 7, (short) 3, 0, NOW, "a", "b"));
    state.update(marker(2, 7, (short) 4, ControlRecordType.COMMIT, 0, NOW));

    assertThatThrownBy(() -> state.check(txn(3, 7, (short) 4, 5, NOW, "c"), AppendOrigin.CLIENT))
        .isInstanceOf(OutOfOrderSequenceException.class);
    assertThat(state.check(txn(3, 7, (short) 4, 0, NOW, "c"), AppendOrigin.CLIENT))
        .isInstanceOf(ProducerStateManager.Check.Append.class);
  }

  @Test
  void aVersion2WriteNeedsAnAddUnlessItsTransactionIsOpenHere() {
    ProducerStateManager state = new ProducerStateManager(dir);
    assertThat(state.needsAddToTransaction(7, (short) 0, 0)).isTrue();
    assertThatThrownBy(() -> state.needsAddToTransaction(7, (short) 0, 3))
        .as("an unknown producer starts at sequence 0")
        .isInstanceOf(OutOfOrderSequenceException.class);

    state.update(txn(0, 7, (short) 0, 0, NOW, "a"));
    assertThat(state.needsAddToTransaction(7, (short) 0, 1)).isFalse();
    state.update(marker(1, 7, (short) 1, ControlRecordType.COMMIT, 0, NOW));
    assertThat(state.needsAddToTransaction(7, (short) 1, 0)).isTrue();
    assertThatThrownBy(() -> state.needsAddToTransaction(7, (short) 0, 2))
        .isInstanceOf(InvalidProducerEpochException.class);
  }

  @Test
  void aMarkerForAnOlderProducerEpochIsRefused() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(0, 7, (short) 3, 0, NOW, "a"));

    assertThatThrownBy(() -> state.checkMarker(7, (short) 2, 0))
        .isInstanceOf(InvalidProducerEpochException.class);
    state.checkMarker(7, (short) 3, 0);
    state.checkMarker(7, (short) 4, 0); // a coordinator that bumped the epoch (timeout abort)
  }

  @Test
  void aMarkerFromAnOlderCoordinatorIsFenced() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(0, 7, 0, "a"));
    state.update(commit(1, 7, 5));

    assertThatThrownBy(() -> state.checkMarker(7, (short) 0, 4))
        .isInstanceOf(TransactionCoordinatorFencedException.class);
    state.checkMarker(7, (short) 0, 5);
    state.checkMarker(7, (short) 0, 6);
    state.checkMarker(99, (short) 0, 0); // a producer this partition never saw
  }

  @Test
  void aCoordinatorsBatchesSkipTheSequenceChecks() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(withoutSequence(0, 7, (short) 0, true, "a"));

    assertThat(state.check(withoutSequence(1, 7, (short) 0, true, "a"), AppendOrigin.COORDINATOR))
        .as("same contents again: no sequence, so no duplicate either")
        .isInstanceOf(Check.Append.class);
    state.update(withoutSequence(1, 7, (short) 0, true, "a"));
    assertThat(state.firstUnstableOffset()).hasValue(0);
    assertThat(state.producers()).extracting(ProducerSummary::lastSequence).containsExactly(-1);
    state.update(commit(2, 7, 0));

    assertThat(state.check(withoutSequence(3, 7, (short) 1, true, "b"), AppendOrigin.COORDINATOR))
        .as("a new epoch need not start at sequence 0")
        .isInstanceOf(Check.Append.class);
    state.update(withoutSequence(3, 7, (short) 1, true, "b"));
    assertThatThrownBy(
            () ->
                state.check(withoutSequence(4, 7, (short) 0, true, "c"), AppendOrigin.COORDINATOR))
        .as("the epoch is still checked")
        .isInstanceOf(InvalidProducerEpochException.class);
  }

  @Test
  void aCoordinatorsBatchIsNeverTakenForARetry() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(0, 7, 0, "offsets"));

    assertThat(state.check(txn(1, 7, 0, "offsets"), AppendOrigin.CLIENT))
        .as("a client's batch with the same sequences: a retry")
        .isInstanceOf(Check.Duplicate.class);
    assertThat(state.check(txn(1, 7, 0, "offsets"), AppendOrigin.COORDINATOR))
        .as("the group coordinator writes sequence 0 every time")
        .isInstanceOf(Check.Append.class);
  }

  @Test
  void aNonTransactionalBatchWhileTheProducersTransactionIsOpenIsInvalid() {
    ProducerStateManager state = new ProducerStateManager(dir);
    state.update(txn(0, 7, 0, "a"));

    assertThatThrownBy(
            () -> state.check(idempotent(1, 7, (short) 0, 1, NOW, "b"), AppendOrigin.CLIENT))
        .isInstanceOf(InvalidTxnStateException.class);
    // Nor in a later epoch: it would move the epoch past the marker the coordinator will send.
    assertThatThrownBy(
            () -> state.check(idempotent(1, 7, (short) 1, 0, NOW, "b"), AppendOrigin.CLIENT))
        .isInstanceOf(InvalidTxnStateException.class);
    assertThat(state.check(txn(1, 7, 1, "b"), AppendOrigin.CLIENT))
        .isInstanceOf(Check.Append.class);

    state.update(commit(1, 7, 0));
    assertThat(state.check(idempotent(2, 7, (short) 0, 1, NOW, "b"), AppendOrigin.CLIENT))
        .isInstanceOf(Check.Append.class);
  }

  @Test
  void expiryKeepsAProducerWithAnOpenTransaction() {
    ProducerStateManager state = new ProducerStateManager(dir);
    long old = NOW - 3_600_000;
    state.update(txn(0, 7, (short) 0, 0, old, "a"));
    state.update(idempotent(1, 8, (short) 0, 0, old, "b"));

    assertThat(state.removeExpired(NOW, 60_000)).as("only 8").isOne();
    assertThat(state.producers()).extracting(ProducerSummary::producerId).containsExactly(7L);
    assertThat(state.firstUnstableOffset()).hasValue(0);

    state.update(marker(2, 7, (short) 0, ControlRecordType.ABORT, 0, old));
    assertThat(state.removeExpired(NOW, 60_000)).as("closed, and idle as long").isOne();
    assertThat(state.producerCount()).isZero();
  }
}
