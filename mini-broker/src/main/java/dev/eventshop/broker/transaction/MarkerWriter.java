package dev.eventshop.broker.transaction;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes a transaction's COMMIT or ABORT marker into each of its partitions, wherever they lead.
 */
public interface MarkerWriter {

  /**
   * Writes the marker into every partition of {@code partitions}, retrying through leader changes
   * and unavailable replicas while {@code stillCoordinator} holds. Completes once each partition
   * has its marker (or is gone: deleted, or already past this producer epoch); completes
   * exceptionally once {@code stillCoordinator} no longer holds or the partition leader says this
   * coordinator is fenced.
   */
  CompletableFuture<Void> write(
      long producerId,
      short producerEpoch,
      int coordinatorEpoch,
      boolean commit,
      Set<TopicPartition> partitions,
      BooleanSupplier stillCoordinator);
}
