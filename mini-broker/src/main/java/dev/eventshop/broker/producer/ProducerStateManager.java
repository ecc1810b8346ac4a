package dev.eventshop.broker.producer;

import dev.eventshop.broker.log.AppendOrigin;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Idempotence for one partition: per producer id, its epoch and the metadata of its last {@value
 * #BATCHES_REMEMBERED} batches (sequence range and offsets). A retried batch that was already
 * written is recognised and answered with its original offset; a gap in sequences or an old epoch
 * is refused.
 *
 * <p>Transactions: a producer's first transactional batch opens its transaction on this partition
 * at that batch's offset; the coordinator's marker (a control batch, COMMIT or ABORT) closes it.
 * The smallest first offset of the open transactions bounds what read_committed consumers may read
 * (the last stable offset).
 *
 * <p>State is rebuilt after a restart from the newest snapshot ({@code <offset>.snapshot}, Kafka's
 * format) plus the batches after it. Not thread-safe: the owning log serializes access.
 */
public final class ProducerStateManager {

  /**
   * How many batches per producer the broker remembers. Kafka keeps 5, as many as a client has in
   * flight on one connection. But after a leader change a client can have batches in flight to the
   * old leader and new ones to the new leader at once: when the old leader fails the earlier ones
   * (NOT_LEADER_OR_FOLLOWER) after the new leader has accepted more than 5 later batches, which the
   * new leader already holds as a follower, the retries would be refused as out of order until they
   * expire (two minutes by default) and reported failed although they are written. A test with a
   * broker killed under load hit this; 32 batches cover that race's few tens of milliseconds at a
   * batch every millisecond, for about 1.5 KB per producer and partition.
   */
  public static final int BATCHES_REMEMBERED = 32;

  private static final short SNAPSHOT_VERSION = 1;

  /** Where a batch of a producer was written. */
  public record BatchMetadata(
      int firstSeq, int lastSeq, long firstOffset, long lastOffset, long timestamp) {}

  /**
   * A transaction closed by a marker on this partition: its producer, its first data offset and the
   * marker's offset.
   */
  public record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted) {}

  /** What to do with an incoming batch. */
  public sealed interface Check {
    /** Append it. */
    record Append() implements Check {}

    /** Already written: answer with its original offsets, append nothing. */
    record Duplicate(BatchMetadata original) implements Check {}
  }

  private static final class ProducerEntry {
    short epoch;
    final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>();
    long lastTimestamp = -1;
    int coordinatorEpoch = -1;
    long currentTxnFirstOffset = -1;

    ProducerEntry(short epoch) {
      this.epoch = epoch;
    }

    BatchMetadata last() {
      return batches.peekLast();
    }
  }

  private final Path dir;
  private final Map<Long, ProducerEntry> producers = new HashMap<>();
  private final TreeMap<Long, Long> openTxns = new TreeMap<>(); // first offset -> producer id

  public ProducerStateManager(Path dir) {
    this.dir = dir;
  }

  /**
   * Decides whether a batch with a producer id may be appended. A client's batch (which has a
   * sequence: the log's validation refuses one without) is checked against the producer's epoch and
   * sequences; a coordinator's batch only against the epoch and the open transaction, as in Kafka,
   * which checks the sequences of client appends only.
   */
  public Check check(RecordBatch batch, AppendOrigin origin) {
    ProducerEntry entry = producers.get(batch.producerId());
    if (entry == null) {
      return new Check.Append();
    }
    short epoch = batch.producerEpoch();
    if (epoch < entry.epoch) {
      throw new InvalidProducerEpochException(
          "producer %d has epoch %d, older than the current %d"
              .formatted(batch.producerId(), epoch, entry.epoch));
    }
    if (entry.currentTxnFirstOffset >= 0 && !batch.isTransactional()) {
      throw new InvalidTxnStateException(
          "producer %d sent a non-transactional batch while its transaction is open"
              .formatted(batch.producerId()));
    }
    if (origin == AppendOrigin.COORDINATOR) {
      // The group coordinator's transactional offsets, written for the client's producer id with
      // base sequence 0 each time: the client did not number them, so there is no sequence to
      // check and no retry to recognise.
      return new Check.Append();
    }
    if (epoch > entry.epoch) {
      if (batch.baseSequence() != 0) {
        throw new OutOfOrderSequenceException(
            "a new epoch %d of producer %d must start at sequence 0, not %d"
                .formatted(epoch, batch.producerId(), batch.baseSequence()));
      }
      return new Check.Append();
    }
    for (BatchMetadata written : entry.batches) {
      if (written.firstSeq() == batch.baseSequence() && written.lastSeq() == batch.lastSequence()) {
        return new Check.Duplicate(written);
      }
    }
    // With no batch of this epoch remembered (a marker of transaction version 2 moved the epoch
    // on), the producer's next sequence is 0, as Kafka reads an empty entry.
    BatchMetadata last = entry.last();
    int expected = last == null ? 0 : nextSequence(last.lastSeq());
    if (batch.baseSequence() != expected) {
      throw new OutOfOrderSequenceException(
          "producer %d sent sequence %d, expected %d"
              .formatted(batch.producerId(), batch.baseSequence(), expected));
    }
    return new Check.Append();
  }

  private static int nextSequence(int sequence) {
    return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
  }

  /**
   * Whether the transaction coordinator may write a marker for {@code producerId} in {@code epoch}:
   * not for an older epoch of the producer, nor from a coordinator older than the last one that
   * wrote here.
   */
  public void checkMarker(long producerId, short epoch, int coordinatorEpoch) {
    ProducerEntry entry = producers.get(producerId);
    if (entry == null) {
      return;
    }
    if (epoch < entry.epoch) {
      throw new InvalidProducerEpochException(
          "a marker for producer %d in epoch %d, older than the current %d"
              .formatted(producerId, epoch, entry.epoch));
    }
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      throw new TransactionCoordinatorFencedException(
          "a marker for producer %d from coordinator epoch %d, older than %d"
              .formatted(producerId, coordinatorEpoch, entry.coordinatorEpoch));
    }
  }

  /**
   * Records a batch that was appended (or replayed from the log) with its final offsets.
   *
   * @return the transaction a marker closed, or null
   */
  public CompletedTxn update(RecordBatch batch) {
    if (!batch.hasProducerId()) {
      return null;
    }
    ProducerEntry entry =
        producers.computeIfAbsent(
            batch.producerId(), id -> new ProducerEntry(batch.producerEpoch()));
    if (batch.producerEpoch() > entry.epoch) {
      entry.epoch = batch.producerEpoch();
      entry.batches.clear();
    }
    entry.lastTimestamp = batch.maxTimestamp(); // of the last batch, as Kafka keeps it
    if (batch.isControlBatch()) {
      return completeTxn(batch, entry);
    }
    if (batch.isTransactional() && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = batch.baseOffset();
      openTxns.put(batch.baseOffset(), batch.producerId());
    }
    if (batch.baseSequence() == RecordBatch.NO_SEQUENCE) {
      // Transactional offsets written by an older mini-broker: no sequence, nothing to remember.
      return null;
    }
    entry.batches.addLast(metadataOf(batch));
    while (entry.batches.size() > BATCHES_REMEMBERED) {
      entry.batches.removeFirst();
    }
    return null;
  }

  private CompletedTxn completeTxn(RecordBatch batch, ProducerEntry entry) {
    Record first;
    try (var records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
      if (!records.hasNext()) {
        return null;
      }
      first = records.next();
    }
    ControlRecordType type = ControlRecordType.parse(first.key());
    if (type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) {
      return null;
    }
    EndTransactionMarker marker = EndTransactionMarker.deserialize(first);
    entry.coordinatorEpoch = marker.coordinatorEpoch();
    long firstOffset = entry.currentTxnFirstOffset;
    if (firstOffset < 0) {
      return null; // the transaction wrote nothing here (offsets only, or nothing at all)
    }
    entry.currentTxnFirstOffset = -1;
    openTxns.remove(firstOffset);
    return new CompletedTxn(
        batch.producerId(), firstOffset, batch.baseOffset(), type == ControlRecordType.ABORT);
  }

  /** The first offset of the oldest open transaction, if any: read_committed stops there. */
  public OptionalLong firstUnstableOffset() {
    return openTxns.isEmpty() ? OptionalLong.empty() : OptionalLong.of(openTxns.firstKey());
  }

  /** Whether {@code producerId} has a transaction open on this partition. */
  public boolean hasOpenTxn(long producerId) {
    ProducerEntry entry = producers.get(producerId);
    return entry != null && entry.currentTxnFirstOffset >= 0;
  }

  /**
   * Whether a write of transaction version 2 by {@code producerId} in {@code epoch}, starting at
   * {@code baseSequence}, must first add this partition to the producer's transaction: not when the
   * producer has a transaction open here in that epoch already.
   *
   * @throws InvalidProducerEpochException if the producer wrote here in a newer epoch
   * @throws OutOfOrderSequenceException if the producer is unknown here and the write does not
   *     start at sequence 0, as Kafka refuses it for transaction version 2
   */
  public boolean needsAddToTransaction(long producerId, short epoch, int baseSequence) {
    ProducerEntry entry = producers.get(producerId);
    if (entry == null) {
      if (baseSequence != 0) {
        throw new OutOfOrderSequenceException(
            "producer %d has no state here, so its first write must start at sequence 0, not %d"
                .formatted(producerId, baseSequence));
      }
      return true;
    }
    if (epoch < entry.epoch) {
      throw new InvalidProducerEpochException(
          "producer %d has epoch %d, older than the current %d"
              .formatted(producerId, epoch, entry.epoch));
    }
    return entry.epoch != epoch || entry.currentTxnFirstOffset < 0;
  }

  /**
   * Remembers a batch written before the ones already known for its producer (read back from the
   * log after a snapshot, which keeps only each producer's last batch), so that a retry of any of
   * the producer's last {@value #BATCHES_REMEMBERED} batches is still recognised. Batches of
   * another epoch, not older than the known ones, or beyond the remembered count are ignored.
   */
  public void rememberEarlier(RecordBatch batch) {
    ProducerEntry entry = producers.get(batch.producerId());
    if (entry == null
        || batch.producerEpoch() != entry.epoch
        || entry.batches.size() >= BATCHES_REMEMBERED) {
      return;
    }
    BatchMetadata oldest = entry.batches.peekFirst();
    if (oldest != null && batch.lastOffset() >= oldest.firstOffset()) {
      return;
    }
    entry.batches.addFirst(metadataOf(batch));
  }

  private static BatchMetadata metadataOf(RecordBatch batch) {
    return new BatchMetadata(
        batch.baseSequence(),
        batch.lastSequence(),
        batch.baseOffset(),
        batch.lastOffset(),
        batch.maxTimestamp());
  }

  /**
   * What DescribeProducers shows of a producer: its epoch, its last batch and where its open
   * transaction started (-1 for none).
   */
  public record ProducerSummary(
      long producerId,
      short epoch,
      int lastSequence,
      long lastTimestamp,
      int coordinatorEpoch,
      long currentTxnStartOffset) {}

  /** Every producer this partition knows, by producer id. */
  public List<ProducerSummary> producers() {
    List<ProducerSummary> summaries = new ArrayList<>();
    producers.forEach(
        (id, entry) -> {
          BatchMetadata last = entry.last();
          summaries.add(
              new ProducerSummary(
                  id,
                  entry.epoch,
                  last == null ? -1 : last.lastSeq(),
                  entry.lastTimestamp,
                  entry.coordinatorEpoch,
                  entry.currentTxnFirstOffset));
        });
    summaries.sort(Comparator.comparingLong(ProducerSummary::producerId));
    return summaries;
  }

  /**
   * Where a producer's state was last written in the log: the last offset of its last batch with a
   * sequence (-1 when none is remembered at its current epoch) and its epoch. The cleaner keeps
   * that batch, or the producer's marker when there is no such batch, so a replay of the log
   * restores it.
   */
  public record LastEntry(long lastDataOffset, short epoch) {}

  /** The {@link LastEntry} of every producer this partition knows, by producer id. */
  public Map<Long, LastEntry> lastEntries() {
    Map<Long, LastEntry> entries = new HashMap<>();
    producers.forEach(
        (id, entry) -> {
          BatchMetadata last = entry.last();
          entries.put(id, new LastEntry(last == null ? -1 : last.lastOffset(), entry.epoch));
        });
    return entries;
  }

  /** The last epoch seen from a producer, if any. */
  public Optional<Short> epochOf(long producerId) {
    ProducerEntry entry = producers.get(producerId);
    return entry == null ? Optional.empty() : Optional.of(entry.epoch);
  }

  public int producerCount() {
    return producers.size();
  }

  /**
   * Forgets the producers whose last batch is {@code expirationMs} or more older than {@code nowMs}
   * ({@code producer.id.expiration.ms}), as Kafka does: a producer that comes back later is taken
   * as new, whatever sequence it sends. A producer with an open transaction is kept.
   *
   * @return how many were forgotten
   */
  public int removeExpired(long nowMs, long expirationMs) {
    int before = producers.size();
    producers
        .values()
        .removeIf(
            entry ->
                entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestamp >= expirationMs);
    return before - producers.size();
  }

  /** Forgets everything (before replaying a log from its start). */
  public void clear() {
    producers.clear();
    openTxns.clear();
  }

  /**
   * Writes {@code <nextOffset>.snapshot} in Kafka's producer-snapshot format (version 1: version,
   * CRC-32C of the rest, then one entry per producer with its last batch) and deletes older ones.
   */
  public void takeSnapshot(long nextOffset) throws IOException {
    int entrySize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
    ByteBuffer buffer = ByteBuffer.allocate(2 + 4 + 4 + producers.size() * entrySize);
    buffer.putShort(SNAPSHOT_VERSION);
    buffer.putInt(0); // CRC, filled in below
    buffer.putInt(producers.size());
    producers.forEach(
        (producerId, entry) -> {
          BatchMetadata last = entry.last();
          buffer.putLong(producerId);
          buffer.putShort(entry.epoch);
          buffer.putInt(last == null ? -1 : last.lastSeq());
          buffer.putLong(last == null ? -1 : last.lastOffset());
          buffer.putInt(last == null ? 0 : (int) (last.lastOffset() - last.firstOffset()));
          buffer.putLong(entry.lastTimestamp);
          buffer.putInt(entry.coordinatorEpoch);
          buffer.putLong(entry.currentTxnFirstOffset);
        });
    buffer.flip();
    long crc = Crc32C.compute(buffer, 6, buffer.limit() - 6);
    buffer.putInt(2, (int) crc);
    Path file = dir.resolve(String.format("%020d.snapshot", nextOffset));
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.write(tmp, java.util.Arrays.copyOf(buffer.array(), buffer.limit()));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    for (long offset : snapshotOffsets()) {
      if (offset < nextOffset) {
        Files.deleteIfExists(dir.resolve(String.format("%020d.snapshot", offset)));
      }
    }
  }

  /**
   * Loads the newest snapshot at or below {@code maxOffset}, if a valid one exists.
   *
   * @return the offset the snapshot was taken at: replay batches from there
   */
  public long loadSnapshot(long maxOffset) throws IOException {
    clear();
    List<Long> offsets = snapshotOffsets();
    for (int i = offsets.size() - 1; i >= 0; i--) {
      long offset = offsets.get(i);
      if (offset > maxOffset) {
        Files.deleteIfExists(dir.resolve(String.format("%020d.snapshot", offset)));
        continue;
      }
      try {
        read(Files.readAllBytes(dir.resolve(String.format("%020d.snapshot", offset))));
        return offset;
      } catch (RuntimeException e) {
        // A damaged snapshot is only an optimisation lost: the log is replayed instead.
        clear();
        Files.deleteIfExists(dir.resolve(String.format("%020d.snapshot", offset)));
      }
    }
    return 0;
  }

  private void read(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    short version = buffer.getShort();
    long crc = buffer.getInt() & 0xffffffffL;
    if (version != SNAPSHOT_VERSION || crc != Crc32C.compute(bytes, 6, bytes.length - 6)) {
      throw new CorruptRecordException("producer snapshot has a bad version or CRC");
    }
    int count = buffer.getInt();
    for (int i = 0; i < count; i++) {
      long producerId = buffer.getLong();
      short epoch = buffer.getShort();
      int lastSeq = buffer.getInt();
      long lastOffset = buffer.getLong();
      int offsetDelta = buffer.getInt();
      long timestamp = buffer.getLong();
      int coordinatorEpoch = buffer.getInt();
      long currentTxnFirstOffset = buffer.getLong();
      ProducerEntry entry = new ProducerEntry(epoch);
      entry.lastTimestamp = timestamp;
      entry.coordinatorEpoch = coordinatorEpoch;
      entry.currentTxnFirstOffset = currentTxnFirstOffset;
      if (currentTxnFirstOffset >= 0) {
        openTxns.put(currentTxnFirstOffset, producerId);
      }
      if (lastSeq >= 0) {
        entry.batches.add(
            new BatchMetadata(
                Math.max(0, lastSeq - offsetDelta),
                lastSeq,
                lastOffset - offsetDelta,
                lastOffset,
                timestamp));
      }
      producers.put(producerId, entry);
    }
  }

  private List<Long> snapshotOffsets() throws IOException {
    List<Long> offsets = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d{20}\\.snapshot"))
          .forEach(n -> offsets.add(Long.parseLong(n.substring(0, 20))));
    }
    offsets.sort(null);
    return offsets;
  }
}
