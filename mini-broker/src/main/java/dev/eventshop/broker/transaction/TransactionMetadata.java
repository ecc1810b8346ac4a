package dev.eventshop.broker.transaction;

import dev.eventshop.broker.transaction.TransactionStateFormat.Snapshot;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.RecordBatch;

/**
 * What the coordinator knows of one transactional id: its producer id and epoch, its transaction's
 * state, partitions and start time. Guarded by its own monitor; {@code pending} is set while a
 * state change is being written to {@code __transaction_state}.
 */
final class TransactionMetadata {

  final String transactionalId;
  final int partition; // of __transaction_state
  long producerId;
  short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
  // before the producer's own last bump (KIP-360), to spot its retries; none after a fencing one
  long lastProducerId = RecordBatch.NO_PRODUCER_ID;
  short lastProducerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
  // while a transaction of version 2 that ran out of epochs ends: the id the producer goes on with
  long nextProducerId = RecordBatch.NO_PRODUCER_ID;
  // the id before such a move, to recognise the producer's retry of that EndTxn
  long previousProducerId = RecordBatch.NO_PRODUCER_ID;
  int timeoutMs;
  // 2 while the open transaction is one of transaction version 2 (KIP-890), else 0
  short clientTransactionVersion;
  TransactionState state = TransactionState.EMPTY;
  final Set<TopicPartition> partitions = new LinkedHashSet<>();
  long startTimestampMs = -1;
  long lastUpdateTimestampMs = -1;
  boolean pending;

  TransactionMetadata(String transactionalId, int partition, long producerId) {
    this.transactionalId = transactionalId;
    this.partition = partition;
    this.producerId = producerId;
  }

  /** Takes the state a committed record describes. */
  void apply(Snapshot s) {
    producerId = s.producerId();
    producerEpoch = s.producerEpoch();
    timeoutMs = s.timeoutMs();
    state = s.state();
    partitions.clear();
    partitions.addAll(s.partitions());
    startTimestampMs = s.startTimestampMs();
    lastUpdateTimestampMs = s.lastUpdateTimestampMs();
    clientTransactionVersion = s.clientTransactionVersion();
    previousProducerId = s.previousProducerId();
    nextProducerId = s.nextProducerId();
  }
}
