package dev.eventshop.broker.log;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * What one cleaner run learns about transactions as it reads a log's batches in offset order
 * (Kafka's {@code CleanedTransactionMetadata}): which data batches belong to a transaction aborted
 * below the last stable offset, whose records are removed, and which markers have no batch of their
 * transaction left before them, which may be removed once their delete horizon has passed.
 *
 * <p>A marker keeps its transaction's batches while this run reads any of them, even a batch this
 * run empties: only a later run, which finds none, lets the marker go and forgets the transaction
 * in the aborted-transaction index. So a fetch that read records before a clean and looked the
 * aborted transactions up after it is never told too little, and the index never names a
 * transaction whose marker is gone. One instance per run; not thread-safe.
 */
final class CleanedTransactions {

  private final AbortedTransactions.ByProducer aborted;
  private final long stableEnd;

  /** Producers whose current transaction has a batch this run has read. */
  private final Set<Long> withBatches = new HashSet<>();

  private final List<Long> removableMarkers = new ArrayList<>();

  /**
   * @param aborted the aborted transactions when the run began
   * @param stableEnd the last stable offset when the run began
   */
  CleanedTransactions(AbortedTransactions.ByProducer aborted, long stableEnd) {
    this.aborted = aborted;
    this.stableEnd = stableEnd;
  }

  /**
   * Notes a data batch. Returns whether its records are to be removed: it belongs to a transaction
   * whose ABORT marker is below the last stable offset.
   */
  boolean onDataBatch(RecordBatch batch) {
    if (!batch.isTransactional()) {
      return false;
    }
    withBatches.add(batch.producerId());
    AbortedTransactions.Entry txn = aborted.transactionOf(batch.producerId(), batch.baseOffset());
    return txn != null && txn.lastOffset() < stableEnd;
  }

  /**
   * Notes a control batch. Returns whether it is removable: a COMMIT or ABORT marker below the last
   * stable offset with no batch of its transaction read before it, or a marker a run has already
   * emptied.
   */
  boolean onControlBatch(RecordBatch batch) {
    boolean hadBatches = withBatches.remove(batch.producerId());
    if (batch.lastOffset() >= stableEnd) {
      return false;
    }
    ControlRecordType type;
    try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
      if (!records.hasNext()) {
        return true;
      }
      type = ControlRecordType.parse(records.next().key());
    }
    if ((type != ControlRecordType.COMMIT && type != ControlRecordType.ABORT) || hadBatches) {
      return false;
    }
    removableMarkers.add(batch.baseOffset());
    return true;
  }

  /**
   * The offsets of the removable markers noted since the last call: the aborted-transaction index
   * can forget the transactions they ended.
   */
  List<Long> takeRemovableMarkers() {
    List<Long> taken = List.copyOf(removableMarkers);
    removableMarkers.clear();
    return taken;
  }
}
