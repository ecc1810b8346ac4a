package dev.eventshop.support.kafka;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The shop's Kafka settings beyond Spring's own {@code spring.kafka.*}.
 *
 * @param topics the topics this service produces or consumes; each is created (with its dead-letter
 *     topic {@code <topic>.DLT}) if missing
 * @param partitions partitions of each topic created (default 3)
 * @param replicationFactor replication factor of each topic created (default 1; 3 on a cluster)
 * @param minInsyncReplicas {@code min.insync.replicas} of each topic created: how many replicas
 *     must have a record before an {@code acks=all} produce succeeds (default 1, which leaves it to
 *     the broker's default; 2 on a three-node cluster)
 * @param retry how often a failing record is retried before it goes to the dead-letter topic
 */
@ConfigurationProperties("shop.kafka")
public record ShopKafkaProperties(
    @DefaultValue List<String> topics,
    @DefaultValue("3") int partitions,
    @DefaultValue("1") short replicationFactor,
    @DefaultValue("1") int minInsyncReplicas,
    @DefaultValue Retry retry) {

  /**
   * Retries of a failing record: {@code attempts} more tries, waiting {@code initialInterval} first
   * and {@code multiplier} times longer each next time. Poison records are never retried.
   *
   * @param attempts retries after the first failure (default 3)
   * @param initialInterval the first wait (default 200ms)
   * @param multiplier growth of the wait (default 2)
   */
  public record Retry(
      @DefaultValue("3") int attempts,
      @DefaultValue("200ms") Duration initialInterval,
      @DefaultValue("2") double multiplier) {}
}
