package dev.eventshop.broker.group;

import dev.eventshop.broker.server.BrokerConfig;
import dev.eventshop.broker.server.BrokerProperty;
import java.util.List;
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
 * @param consumer the settings of groups that use the consumer group protocol (KIP-848)
 */
public record GroupConfig(
    int initialRebalanceDelayMs,
    int minSessionTimeoutMs,
    int maxSessionTimeoutMs,
    int offsetsTopicPartitions,
    long offsetsRetentionMs,
    long offsetsRetentionCheckIntervalMs,
    int offsetMetadataMaxBytes,
    ConsumerProtocol consumer) {

  /**
   * The settings of consumer groups (KIP-848), under Kafka's broker property names.
   *
   * @param sessionTimeoutMs {@code group.consumer.session.timeout.ms}: a member that sends no
   *     heartbeat for this long is fenced
   * @param heartbeatIntervalMs {@code group.consumer.heartbeat.interval.ms}: how often members
   *     heartbeat
   * @param maxSize {@code group.consumer.max.size}: the most members a group may have
   * @param assignors {@code group.consumer.assignors}: the server assignors members may name; the
   *     first is the default
   * @param migrationPolicy {@code group.consumer.migration.policy}: whether a classic group with
   *     members becomes a consumer group when a consumer protocol member joins ({@code upgrade}),
   *     and a consumer group back a classic one when its last consumer protocol member leaves
   *     ({@code downgrade}); {@code bidirectional} (Kafka 4's default), or {@code disabled}
   */
  public record ConsumerProtocol(
      int sessionTimeoutMs,
      int heartbeatIntervalMs,
      int maxSize,
      List<String> assignors,
      String migrationPolicy) {

    static final List<String> MIGRATION_POLICIES =
        List.of("disabled", "upgrade", "downgrade", "bidirectional");

    public static final ConsumerProtocol DEFAULTS =
        new ConsumerProtocol(
            45_000, 5_000, Integer.MAX_VALUE, List.of("uniform", "range"), "bidirectional");

    public ConsumerProtocol {
      migrationPolicy = migrationPolicy.trim().toLowerCase(java.util.Locale.ROOT);
      if (!MIGRATION_POLICIES.contains(migrationPolicy)) {
        throw new IllegalArgumentException(
            "group.consumer.migration.policy must be one of "
                + String.join(", ", MIGRATION_POLICIES)
                + ", not "
                + migrationPolicy);
      }
      assignors = List.copyOf(assignors);
      if (assignors.isEmpty()) {
        throw new IllegalArgumentException("group.consumer.assignors must name an assignor");
      }
      for (String name : assignors) {
        if (ServerAssignor.named(name).isEmpty()) {
          throw new IllegalArgumentException(
              "group.consumer.assignors: unknown assignor "
                  + name
                  + " (mini-broker has uniform and range)");
        }
      }
      if (heartbeatIntervalMs >= sessionTimeoutMs) {
        throw new IllegalArgumentException(
            "group.consumer.heartbeat.interval.ms must be lower than"
                + " group.consumer.session.timeout.ms");
      }
      if (maxSize < 1) {
        throw new IllegalArgumentException("group.consumer.max.size must be at least 1");
      }
    }
  }

  int consumerSessionTimeoutMs() {
    return consumer.sessionTimeoutMs();
  }

  int consumerHeartbeatIntervalMs() {
    return consumer.heartbeatIntervalMs();
  }

  int consumerMaxSize() {
    return consumer.maxSize();
  }

  List<String> consumerAssignors() {
    return consumer.assignors();
  }

  /** Whether a classic group with members may become a consumer group. */
  boolean upgradeEnabled() {
    return consumer.migrationPolicy().equals("upgrade")
        || consumer.migrationPolicy().equals("bidirectional");
  }

  /** Whether a consumer group left with classic members only may become a classic group. */
  boolean downgradeEnabled() {
    return consumer.migrationPolicy().equals("downgrade")
        || consumer.migrationPolicy().equals("bidirectional");
  }

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
        DEFAULT_OFFSET_METADATA_MAX_BYTES,
        new ConsumerProtocol(
            config.getInt(BrokerProperty.GROUP_CONSUMER_SESSION_TIMEOUT_MS),
            config.getInt(BrokerProperty.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS),
            config.getInt(BrokerProperty.GROUP_CONSUMER_MAX_SIZE),
            java.util.Arrays.stream(
                    config.getString(BrokerProperty.GROUP_CONSUMER_ASSIGNORS).split(","))
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .toList(),
            config.getString(BrokerProperty.GROUP_CONSUMER_MIGRATION_POLICY)));
  }
}
