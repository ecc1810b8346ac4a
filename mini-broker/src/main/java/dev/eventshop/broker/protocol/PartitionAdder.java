package dev.eventshop.broker.protocol;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Adds partitions to a producer's transaction on its behalf, as transaction version 2 (KIP-890) has
 * partition leaders and group coordinators do before they write for it.
 */
@FunctionalInterface
public interface PartitionAdder {

  /** Completes with the transaction coordinator's answer per partition, NONE once added. */
  CompletableFuture<Map<TopicPartition, Errors>> add(
      String transactionalId, long producerId, short epoch, Collection<TopicPartition> partitions);
}
