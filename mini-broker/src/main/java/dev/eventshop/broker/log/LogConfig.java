package dev.eventshop.broker.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * The configuration of one topic's logs, under Kafka's topic-level names ({@link TopicConfigKey}).
 * Each value is the topic's override if it has one, else the broker's default, else Kafka's.
 * Immutable; altering a topic's configs replaces its LogConfig.
 *
 * @param compression what batches are stored as, or null to keep what the producer sent ({@code
 *     compression.type=producer})
 * @param values every topic config's effective value, by name, as DescribeConfigs reports it
 * @param overrides the topic-level values that were set explicitly, by name
 */
public record LogConfig(
    int segmentBytes,
    long segmentMs,
    long retentionMs,
    long retentionBytes,
    boolean compact,
    boolean delete,
    int maxMessageBytes,
    int indexIntervalBytes,
    int segmentIndexBytes,
    long flushMessages,
    long flushMs,
    int minInsyncReplicas,
    boolean logAppendTime,
    long timestampBeforeMaxMs,
    long timestampAfterMaxMs,
    long deleteRetentionMs,
    long minCompactionLagMs,
    Compression compression,
    Map<String, String> values,
    Map<String, String> overrides) {

  /**
   * Builds a topic's config from the broker's defaults (by broker property name) and the topic's
   * overrides (by topic config name). Unknown names or invalid values are {@link
   * InvalidConfigurationException}s naming the key.
   */
  public static LogConfig of(Map<String, String> brokerDefaults, Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>();
    for (TopicConfigKey key : TopicConfigKey.values()) {
      String brokerValue = key.brokerProperty().map(brokerDefaults::get).orElse(null);
      values.put(key.key(), brokerValue != null ? brokerValue : key.defaultValue());
    }
    overrides.forEach(
        (name, value) -> {
          TopicConfigKey key =
              TopicConfigKey.byKey(name)
                  .orElseThrow(
                      () ->
                          new InvalidConfigurationException("Unknown topic config name: " + name));
          checkType(key, value);
          values.put(name, value);
        });
    String policy = values.get("cleanup.policy").replace(" ", "").toLowerCase(Locale.ROOT);
    for (String p : policy.split(",")) {
      if (!p.equals("delete") && !p.equals("compact")) {
        throw invalid("cleanup.policy", policy, "expected delete or compact");
      }
    }
    String timestampType = values.get("message.timestamp.type");
    if (!timestampType.equals("CreateTime") && !timestampType.equals("LogAppendTime")) {
      throw invalid(
          "message.timestamp.type", timestampType, "expected CreateTime or LogAppendTime");
    }
    if (Boolean.parseBoolean(values.get("remote.storage.enable"))) {
      throw invalid("remote.storage.enable", "true", "mini-broker has no tiered storage");
    }
    return new LogConfig(
        intAtLeast(values, "segment.bytes", 14),
        longAtLeast(values, "segment.ms", 1),
        longAtLeast(values, "retention.ms", -1),
        longAtLeast(values, "retention.bytes", -1),
        policy.contains("compact"),
        policy.contains("delete"),
        intAtLeast(values, "max.message.bytes", 0),
        intAtLeast(values, "index.interval.bytes", 0),
        intAtLeast(values, "segment.index.bytes", 4096),
        longAtLeast(values, "flush.messages", 1),
        longAtLeast(values, "flush.ms", 0),
        intAtLeast(values, "min.insync.replicas", 1),
        timestampType.equals("LogAppendTime"),
        longAtLeast(values, "message.timestamp.before.max.ms", 0),
        longAtLeast(values, "message.timestamp.after.max.ms", 0),
        longAtLeast(values, "delete.retention.ms", 0),
        longAtLeast(values, "min.compaction.lag.ms", 0),
        compression(values),
        Collections.unmodifiableMap(values),
        Map.copyOf(overrides));
  }

  /** The value of every topic config, as DescribeConfigs reports it. */
  public Map<String, String> describe() {
    return values;
  }

  /** {@code compression.type} with its level, or null for {@code producer}. */
  private static Compression compression(Map<String, String> values) {
    String type = values.get("compression.type").trim().toLowerCase(Locale.ROOT);
    try {
      return compression(type, values);
    } catch (IllegalArgumentException e) {
      throw invalid("compression.%s.level".formatted(type), "", e.getMessage());
    }
  }

  private static Compression compression(String type, Map<String, String> values) {
    return switch (type) {
      case "producer" -> null;
      case "uncompressed" -> Compression.NONE;
      case "snappy" -> Compression.snappy().build();
      case "gzip" -> Compression.gzip().level(level(values, "compression.gzip.level")).build();
      case "lz4" -> Compression.lz4().level(level(values, "compression.lz4.level")).build();
      case "zstd" -> Compression.zstd().level(level(values, "compression.zstd.level")).build();
      default ->
          throw invalid(
              "compression.type",
              type,
              "expected producer, uncompressed, gzip, snappy, lz4 or zstd");
    };
  }

  private static int level(Map<String, String> values, String key) {
    try {
      return Integer.parseInt(values.get(key).trim());
    } catch (NumberFormatException e) {
      throw invalid(key, values.get(key), "not a number");
    }
  }

  /** Rejects a value that is not of the config's type (Kafka's own parsing rules). */
  private static void checkType(TopicConfigKey key, String value) {
    try {
      ConfigDef.parseType(key.key(), value, key.type());
    } catch (ConfigException e) {
      throw invalid(key.key(), value, "expected a value of type " + key.type());
    }
  }

  private static InvalidConfigurationException invalid(String key, Object value, String why) {
    return new InvalidConfigurationException(
        "Invalid value " + value + " for configuration " + key + ": " + why);
  }

  private static int intAtLeast(Map<String, String> values, String key, int min) {
    long v = longAtLeast(values, key, min);
    if (v > Integer.MAX_VALUE) {
      throw invalid(key, v, "too large");
    }
    return (int) v;
  }

  private static long longAtLeast(Map<String, String> values, String key, long min) {
    String raw = values.get(key);
    long v;
    try {
      v = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw invalid(key, raw, "not a number");
    }
    if (v < min) {
      throw invalid(key, v, "must be at least " + min);
    }
    return v;
  }
}
