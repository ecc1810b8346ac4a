package dev.eventshop.broker.transaction;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/** What the transaction handlers, the coordinator and its senders share. */
public final class TransactionApis {

  private TransactionApis() {}

  /**
   * PRODUCER_FENCED exists from a version of each API on (KIP-588); older clients are told
   * INVALID_PRODUCER_EPOCH, which they also treat as fatal.
   */
  public static Errors forVersion(Errors error, short version, short producerFencedSince) {
    return error == Errors.PRODUCER_FENCED && version < producerFencedSince
        ? Errors.INVALID_PRODUCER_EPOCH
        : error;
  }

  /**
   * The partition ids of {@code partitions} by topic, topics and ids in order, as requests and
   * {@code __transaction_state} records list them.
   */
  static Map<String, List<Integer>> partitionsByTopic(Collection<TopicPartition> partitions) {
    Map<String, List<Integer>> byTopic = new TreeMap<>();
    partitions.forEach(
        tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
    byTopic.values().forEach(ids -> ids.sort(null));
    return byTopic;
  }

  /** The same error for every one of {@code partitions}, in their order; a map to change. */
  static Map<TopicPartition, Errors> allFailed(
      Collection<TopicPartition> partitions, Errors error) {
    Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
    partitions.forEach(tp -> errors.put(tp, error));
    return errors;
  }
}
