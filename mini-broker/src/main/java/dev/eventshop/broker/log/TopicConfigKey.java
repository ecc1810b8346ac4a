package dev.eventshop.broker.log;

import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Kafka 4.1's topic-level configs, all of them, so that tools that describe, copy or alter a
 * topic's configs see the names they know: each with its type, Kafka's default, the broker property
 * that supplies the default (where mini-broker has that property), and whether mini-broker acts on
 * the value. Configs it does not act on are accepted, validated by type and described, as a
 * single-disk broker without tiered storage or throttling would; docs/broker.md lists them.
 */
public enum TopicConfigKey {
  CLEANUP_POLICY("cleanup.policy", Type.LIST, "delete", "log.cleanup.policy", true),
  COMPRESSION_TYPE("compression.type", Type.STRING, "producer", "", true),
  COMPRESSION_GZIP_LEVEL("compression.gzip.level", Type.INT, "-1", "", true),
  COMPRESSION_LZ4_LEVEL("compression.lz4.level", Type.INT, "9", "", true),
  COMPRESSION_ZSTD_LEVEL("compression.zstd.level", Type.INT, "3", "", true),
  DELETE_RETENTION_MS("delete.retention.ms", Type.LONG, "86400000", "", true),
  FILE_DELETE_DELAY_MS("file.delete.delay.ms", Type.LONG, "60000", "", false),
  FLUSH_MESSAGES(
      "flush.messages",
      Type.LONG,
      String.valueOf(Long.MAX_VALUE),
      "log.flush.interval.messages",
      true),
  FLUSH_MS("flush.ms", Type.LONG, String.valueOf(Long.MAX_VALUE), "log.flush.interval.ms", true),
  FOLLOWER_REPLICATION_THROTTLED_REPLICAS(
      "follower.replication.throttled.replicas", Type.LIST, "", "", false),
  INDEX_INTERVAL_BYTES("index.interval.bytes", Type.INT, "4096", "log.index.interval.bytes", true),
  LEADER_REPLICATION_THROTTLED_REPLICAS(
      "leader.replication.throttled.replicas", Type.LIST, "", "", false),
  LOCAL_RETENTION_BYTES("local.retention.bytes", Type.LONG, "-2", "", false),
  LOCAL_RETENTION_MS("local.retention.ms", Type.LONG, "-2", "", false),
  MAX_COMPACTION_LAG_MS(
      "max.compaction.lag.ms", Type.LONG, String.valueOf(Long.MAX_VALUE), "", false),
  MAX_MESSAGE_BYTES("max.message.bytes", Type.INT, "1048588", "message.max.bytes", true),
  MESSAGE_TIMESTAMP_AFTER_MAX_MS("message.timestamp.after.max.ms", Type.LONG, "3600000", "", true),
  MESSAGE_TIMESTAMP_BEFORE_MAX_MS(
      "message.timestamp.before.max.ms", Type.LONG, String.valueOf(Long.MAX_VALUE), "", true),
  MESSAGE_TIMESTAMP_TYPE("message.timestamp.type", Type.STRING, "CreateTime", "", true),
  MIN_CLEANABLE_DIRTY_RATIO("min.cleanable.dirty.ratio", Type.DOUBLE, "0.5", "", false),
  MIN_COMPACTION_LAG_MS("min.compaction.lag.ms", Type.LONG, "0", "", true),
  MIN_INSYNC_REPLICAS("min.insync.replicas", Type.INT, "1", "min.insync.replicas", true),
  PREALLOCATE("preallocate", Type.BOOLEAN, "false", "", false),
  REMOTE_LOG_COPY_DISABLE("remote.log.copy.disable", Type.BOOLEAN, "false", "", false),
  REMOTE_LOG_DELETE_ON_DISABLE("remote.log.delete.on.disable", Type.BOOLEAN, "false", "", false),
  REMOTE_STORAGE_ENABLE("remote.storage.enable", Type.BOOLEAN, "false", "", true),
  RETENTION_BYTES("retention.bytes", Type.LONG, "-1", "log.retention.bytes", true),
  RETENTION_MS("retention.ms", Type.LONG, "604800000", "log.retention.ms", true),
  SEGMENT_BYTES("segment.bytes", Type.INT, "1073741824", "log.segment.bytes", true),
  SEGMENT_INDEX_BYTES("segment.index.bytes", Type.INT, "10485760", "", true),
  SEGMENT_JITTER_MS("segment.jitter.ms", Type.LONG, "0", "", false),
  SEGMENT_MS("segment.ms", Type.LONG, "604800000", "log.roll.ms", true),
  UNCLEAN_LEADER_ELECTION_ENABLE(
      "unclean.leader.election.enable",
      Type.BOOLEAN,
      "false",
      "unclean.leader.election.enable",
      true);

  private final String key;
  private final Type type;
  private final String defaultValue;
  private final String brokerProperty;
  private final boolean actedOn;

  TopicConfigKey(
      String key, Type type, String defaultValue, String brokerProperty, boolean actedOn) {
    this.key = key;
    this.type = type;
    this.defaultValue = defaultValue;
    this.brokerProperty = brokerProperty;
    this.actedOn = actedOn;
  }

  public static Optional<TopicConfigKey> byKey(String key) {
    return Arrays.stream(values()).filter(k -> k.key.equals(key)).findFirst();
  }

  /** Kafka's name of the config. */
  public String key() {
    return key;
  }

  public Type type() {
    return type;
  }

  /** Kafka's default, used when the broker has no property for it or the property is unset. */
  public String defaultValue() {
    return defaultValue;
  }

  /** The broker property whose value is the topic's default, or empty if there is none. */
  public Optional<String> brokerProperty() {
    return brokerProperty.isEmpty() ? Optional.empty() : Optional.of(brokerProperty);
  }

  /** Whether mini-broker changes its behaviour with this config (else it is only kept). */
  public boolean actedOn() {
    return actedOn;
  }
}
