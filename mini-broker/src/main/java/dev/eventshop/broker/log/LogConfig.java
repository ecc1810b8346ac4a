package dev.eventshop.broker.log;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * The configuration of one topic's logs, under Kafka's topic-level names. Each value is the topic's
 * override if it has one, else the broker's default. Immutable; altering a topic's configs replaces
 * its LogConfig.
 *
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
    long deleteRetentionMs,
    Map<String, String> overrides) {

  /** Topic-level config names, each with the broker property that supplies its default. */
  public static final Map<String, String> BROKER_DEFAULT_OF =
      Map.ofEntries(
          Map.entry("segment.bytes", "log.segment.bytes"),
          Map.entry("segment.ms", "log.roll.ms"),
          Map.entry("retention.ms", "log.retention.ms"),
          Map.entry("retention.bytes", "log.retention.bytes"),
          Map.entry("cleanup.policy", "log.cleanup.policy"),
          Map.entry("max.message.bytes", "message.max.bytes"),
          Map.entry("index.interval.bytes", "log.index.interval.bytes"),
          Map.entry("segment.index.bytes", ""),
          Map.entry("flush.messages", "log.flush.interval.messages"),
          Map.entry("flush.ms", "log.flush.interval.ms"),
          Map.entry("min.insync.replicas", "min.insync.replicas"),
          Map.entry("message.timestamp.type", ""),
          Map.entry("delete.retention.ms", ""));

  /**
   * Kafka's defaults, used when no broker-level value is given (the broker passes its own, whose
   * defaults are the same; see BrokerProperty).
   */
  private static final Map<String, String> STATIC_DEFAULTS =
      Map.ofEntries(
          Map.entry("segment.bytes", "1073741824"),
          Map.entry("segment.ms", "604800000"),
          Map.entry("retention.ms", "604800000"),
          Map.entry("retention.bytes", "-1"),
          Map.entry("cleanup.policy", "delete"),
          Map.entry("max.message.bytes", "1048588"),
          Map.entry("index.interval.bytes", "4096"),
          Map.entry("segment.index.bytes", "10485760"),
          Map.entry("flush.messages", String.valueOf(Long.MAX_VALUE)),
          Map.entry("flush.ms", String.valueOf(Long.MAX_VALUE)),
          Map.entry("min.insync.replicas", "1"),
          Map.entry("message.timestamp.type", "CreateTime"),
          Map.entry("delete.retention.ms", "86400000"));

  /**
   * Builds a topic's config from the broker's defaults (by broker property name) and the topic's
   * overrides (by topic config name). Unknown names or invalid values are {@link
   * InvalidConfigurationException}s naming the key.
   */
  public static LogConfig of(Map<String, String> brokerDefaults, Map<String, String> overrides) {
    Map<String, String> effective = new LinkedHashMap<>();
    BROKER_DEFAULT_OF.forEach(
        (name, brokerName) ->
            effective.put(
                name,
                brokerName.isEmpty()
                    ? STATIC_DEFAULTS.get(name)
                    : brokerDefaults.getOrDefault(brokerName, STATIC_DEFAULTS.get(name))));
    overrides.forEach(
        (name, value) -> {
          if (!BROKER_DEFAULT_OF.containsKey(name)) {
            throw new InvalidConfigurationException("Unknown topic config name: " + name);
          }
          effective.put(name, value);
        });
    String policy = effective.get("cleanup.policy").replace(" ", "").toLowerCase(Locale.ROOT);
    for (String p : policy.split(",")) {
      if (!p.equals("delete") && !p.equals("compact")) {
        throw new InvalidConfigurationException(
            "Invalid value "
                + policy
                + " for configuration cleanup.policy: expected delete or compact");
      }
    }
    String timestampType = effective.get("message.timestamp.type");
    if (!timestampType.equals("CreateTime") && !timestampType.equals("LogAppendTime")) {
      throw new InvalidConfigurationException(
          "Invalid value " + timestampType + " for configuration message.timestamp.type");
    }
    return new LogConfig(
        intAtLeast(effective, "segment.bytes", 14),
        longAtLeast(effective, "segment.ms", 1),
        longAtLeast(effective, "retention.ms", -1),
        longAtLeast(effective, "retention.bytes", -1),
        policy.contains("compact"),
        policy.contains("delete"),
        intAtLeast(effective, "max.message.bytes", 0),
        intAtLeast(effective, "index.interval.bytes", 0),
        intAtLeast(effective, "segment.index.bytes", 4096),
        longAtLeast(effective, "flush.messages", 1),
        longAtLeast(effective, "flush.ms", 0),
        intAtLeast(effective, "min.insync.replicas", 1),
        timestampType.equals("LogAppendTime"),
        longAtLeast(effective, "delete.retention.ms", 0),
        Map.copyOf(overrides));
  }

  /** The value of every topic config, as DescribeConfigs reports it. */
  public Map<String, String> describe() {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("segment.bytes", String.valueOf(segmentBytes));
    all.put("segment.ms", String.valueOf(segmentMs));
    all.put("retention.ms", String.valueOf(retentionMs));
    all.put("retention.bytes", String.valueOf(retentionBytes));
    all.put(
        "cleanup.policy", compact && delete ? "compact,delete" : compact ? "compact" : "delete");
    all.put("max.message.bytes", String.valueOf(maxMessageBytes));
    all.put("index.interval.bytes", String.valueOf(indexIntervalBytes));
    all.put("segment.index.bytes", String.valueOf(segmentIndexBytes));
    all.put("flush.messages", String.valueOf(flushMessages));
    all.put("flush.ms", String.valueOf(flushMs));
    all.put("min.insync.replicas", String.valueOf(minInsyncReplicas));
    all.put("message.timestamp.type", logAppendTime ? "LogAppendTime" : "CreateTime");
    all.put("delete.retention.ms", String.valueOf(deleteRetentionMs));
    return all;
  }

  private static int intAtLeast(Map<String, String> values, String key, int min) {
    long v = longAtLeast(values, key, min);
    if (v > Integer.MAX_VALUE) {
      throw new InvalidConfigurationException("Invalid value " + v + " for configuration " + key);
    }
    return (int) v;
  }

  private static long longAtLeast(Map<String, String> values, String key, long min) {
    String raw = values.get(key);
    long v;
    try {
      v = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new InvalidConfigurationException(
          "Invalid value " + raw + " for configuration " + key + ": not a number");
    }
    if (v < min) {
      throw new InvalidConfigurationException(
          "Invalid value " + v + " for configuration " + key + ": must be at least " + min);
    }
    return v;
  }
}
