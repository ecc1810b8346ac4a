package dev.eventshop.broker.group;

import dev.eventshop.broker.server.BrokerConfig;
import dev.eventshop.broker.server.BrokerProperty;
import java.util.concurrent.TimeUnit;

/**
 * The group coordinator's settings, under Kafka's broker property names.
 *
 * @param initialRebalanceDelayMs {@code group.initial.rebalance.delay.ms}: how long the first
 *     rebalance of an empty group waits for more members (0: complete as soon as all have joined)
 * @param minSessionTimeoutMs {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs {@code group.max.session.timeout.ms}
 * @param offsetsTopicPartitions {@code offsets.topic.num.partitions}: a group's coordinator is the
 *     leader of partition {@code abs(groupId.hashCode()) % offsetsTopicPartitions}
 * @param offsetsRetentionMs {@code offsets.retention.minutes} in ms: how long committed offsets of
 *     an empty group are kept
 * @param offsetsRetentionCheckIntervalMs how often expired offsets are looked for (Kafka's default
 *     of {@code offsets.retention.check.interval.ms}, 10 minutes)
 * @param offsetMetadataMaxBytes the longest metadata string a commit may carry (Kafka's default of
 *     {@code offset.metadata.max.bytes}, 4096)
 */
public record GroupConfig(
    int initialRebalanceDelayMs,
    int minSessionTimeoutMs,
    int maxSessionTimeoutMs,
    int offsetsTopicPartitions,
    long offsetsRetentionMs,
    long offsetsRetentionCheckIntervalMs,
    int offsetMetadataMaxBytes) {

  static final long DEFAULT_RETENTION_CHECK_INTERVAL_MS = 600_000;
  static final int DEFAULT_OFFSET_METADATA_MAX_BYTES = 4096;

  public GroupConfig {
    if (initialRebalanceDelayMs < 0) {
      throw new IllegalArgumentException("initialRebalanceDelayMs must not be negative");
    }
    if (maxSessionTimeoutMs < minSessionTimeoutMs) {
      throw new IllegalArgumentException("maxSessionTimeoutMs < minSessionTimeoutMs");
    }
    if (offsetsTopicPartitions < 1) {
      throw new IllegalArgumentException("offsetsTopicPartitions must be at least 1");
    }
  }

  public static GroupConfig from(BrokerConfig config) {
    return new GroupConfig(
        config.getInt(BrokerProperty.GROUP_INITIAL_REBALANCE_DELAY_MS),
        config.getInt(BrokerProperty.GROUP_MIN_SESSION_TIMEOUT_MS),
        config.getInt(BrokerProperty.GROUP_MAX_SESSION_TIMEOUT_MS),
        config.getInt(BrokerProperty.OFFSETS_TOPIC_NUM_PARTITIONS),
        TimeUnit.MINUTES.toMillis(config.getLong(BrokerProperty.OFFSETS_RETENTION_MINUTES)),
        DEFAULT_RETENTION_CHECK_INTERVAL_MS,
        DEFAULT_OFFSET_METADATA_MAX_BYTES);
  }
}
