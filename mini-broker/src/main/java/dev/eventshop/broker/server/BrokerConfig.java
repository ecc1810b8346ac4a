package dev.eventshop.broker.server;

import static dev.eventshop.broker.server.BrokerProperty.*;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The broker's configuration: every {@link BrokerProperty} with a valid value. Values come from a
 * properties file, then {@code KAFKA_*} environment variables, then {@code --override key=value}
 * arguments, later sources winning, as with Kafka's start script and docker image. Immutable.
 */
public final class BrokerConfig {

  /** Environment variables with the KAFKA_ prefix that configure the JVM, not the broker. */
  private static final Set<String> JVM_ENVIRONMENT =
      Set.of(
          "KAFKA_HEAP_OPTS",
          "KAFKA_OPTS",
          "KAFKA_JVM_PERFORMANCE_OPTS",
          "KAFKA_LOG4J_OPTS",
          "KAFKA_JMX_OPTS",
          "KAFKA_GC_LOG_OPTS",
          "KAFKA_DEBUG",
          "KAFKA_HOME");

  private final Map<BrokerProperty, Object> values;
  private final Listeners listeners;

  private BrokerConfig(Map<BrokerProperty, Object> values) {
    this.values = values;
    checkRoles();
    this.listeners =
        Listeners.from(
            getString(LISTENERS),
            getString(ADVERTISED_LISTENERS),
            getString(LISTENER_SECURITY_PROTOCOL_MAP),
            getString(CONTROLLER_LISTENER_NAMES),
            getString(INTER_BROKER_LISTENER_NAME),
            nodeId(),
            quorumVoters(),
            !controllerOnly());
  }

  /** A configuration from explicit key/value pairs; unknown keys and invalid values are errors. */
  public static BrokerConfig of(Map<String, String> properties) {
    Map<BrokerProperty, Object> values = new EnumMap<>(BrokerProperty.class);
    for (BrokerProperty p : BrokerProperty.values()) {
      values.put(p, parse(p, p.defaultValue()));
    }
    properties.forEach(
        (rawKey, value) -> {
          String key = rawKey.equals("log.dir") ? LOG_DIRS.key() : rawKey;
          BrokerProperty p =
              BrokerProperty.byKey(key)
                  .orElseThrow(() -> new ConfigException(rawKey, "unknown configuration key"));
          values.put(p, parse(p, value.trim()));
        });
    BrokerConfig config = new BrokerConfig(values);
    config.validate();
    return config;
  }

  /**
   * Loads a configuration the way the broker's command line does: the file (may be null), then the
   * environment, then the overrides.
   */
  public static BrokerConfig load(Path file, Map<String, String> env, List<String> overrides) {
    Map<String, String> merged = new LinkedHashMap<>();
    if (file != null) {
      merged.putAll(readFile(file));
    }
    merged.putAll(fromEnvironment(env));
    for (String override : overrides) {
      int eq = override.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException(override, "an override must be key=value");
      }
      merged.put(override.substring(0, eq).trim(), override.substring(eq + 1));
    }
    return of(merged);
  }

  /**
   * Kafka's docker image convention: KAFKA_LOG_DIRS is log.dirs; '_' stands for '.', '__' for '_'
   * and '___' for '-'.
   */
  static Map<String, String> fromEnvironment(Map<String, String> env) {
    Map<String, String> result = new LinkedHashMap<>();
    env.forEach(
        (name, value) -> {
          if (name.startsWith("KAFKA_") && !JVM_ENVIRONMENT.contains(name)) {
            String key =
                name.substring("KAFKA_".length())
                    .toLowerCase(Locale.ROOT)
                    .replace("___", "-")
                    .replace("__", "\0")
                    .replace('_', '.')
                    .replace('\0', '_');
            result.put(key, value);
          }
        });
    return result;
  }

  private static Map<String, String> readFile(Path file) {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file)) {
      props.load(reader);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "cannot read configuration file: " + e);
    }
    Map<String, String> result = new LinkedHashMap<>();
    props.stringPropertyNames().forEach(k -> result.put(k, props.getProperty(k)));
    return result;
  }

  private static Object parse(BrokerProperty p, String value) {
    try {
      return switch (p.type()) {
        case INT -> Integer.parseInt(value);
        case LONG -> Long.parseLong(value);
        case BOOLEAN -> {
          if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException();
          }
          yield Boolean.parseBoolean(value);
        }
        case STRING -> value;
      };
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          p.key(),
          "invalid value '%s': expected %s"
              .formatted(value, p.type().name().toLowerCase(Locale.ROOT)));
    }
  }

  private void validate() {
    atLeast(NODE_ID, 0);
    atLeast(NUM_PARTITIONS, 1);
    atLeast(DEFAULT_REPLICATION_FACTOR, 1);
    atLeast(MIN_INSYNC_REPLICAS, 1);
    atLeast(LOG_SEGMENT_BYTES, 1024);
    atLeast(LOG_ROLL_MS, 1);
    atLeast(LOG_RETENTION_MS, -1);
    atLeast(LOG_RETENTION_BYTES, -1);
    atLeast(PRODUCER_ID_EXPIRATION_MS, 1);
    atLeast(PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, 1);
    atLeast(TRANSACTION_STATE_LOG_NUM_PARTITIONS, 1);
    atLeast(TRANSACTION_STATE_LOG_REPLICATION_FACTOR, 1);
    atLeast(TRANSACTION_STATE_LOG_MIN_ISR, 1);
    atLeast(TRANSACTION_MAX_TIMEOUT_MS, 1);
    atLeast(TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS, 1);
    atLeast(TRANSACTIONAL_ID_EXPIRATION_MS, 1);
    atLeast(TRANSACTION_REMOVE_EXPIRED_TRANSACTION_CLEANUP_INTERVAL_MS, 1);
    atLeast(LOG_RETENTION_CHECK_INTERVAL_MS, 1);
    atLeast(LOG_CLEANER_BACKOFF_MS, 1);
    atLeast(LOG_INDEX_INTERVAL_BYTES, 0);
    atLeast(LOG_FLUSH_INTERVAL_MESSAGES, 1);
    atLeast(LOG_FLUSH_INTERVAL_MS, 0);
    atLeast(MESSAGE_MAX_BYTES, 0);
    atLeast(SOCKET_REQUEST_MAX_BYTES, 1);
    atLeast(NUM_NETWORK_THREADS, 1);
    atLeast(GROUP_INITIAL_REBALANCE_DELAY_MS, 0);
    atLeast(GROUP_MIN_SESSION_TIMEOUT_MS, 0);
    atLeast(OFFSETS_TOPIC_NUM_PARTITIONS, 1);
    atLeast(OFFSETS_TOPIC_REPLICATION_FACTOR, 1);
    atLeast(OFFSETS_RETENTION_MINUTES, 1);
    atLeast(REPLICA_LAG_TIME_MAX_MS, 1);
    if (groupMaxSessionTimeoutMs() < groupMinSessionTimeoutMs()) {
      throw new ConfigException(
          GROUP_MAX_SESSION_TIMEOUT_MS.key(), "must not be less than group.min.session.timeout.ms");
    }
    if (logDirs().isEmpty()) {
      throw new ConfigException(LOG_DIRS.key(), "must name at least one directory");
    }
    for (String policy : getString(LOG_CLEANUP_POLICY).split(",")) {
      if (!policy.trim().equals("delete") && !policy.trim().equals("compact")) {
        throw new ConfigException(
            LOG_CLEANUP_POLICY.key(),
            "invalid value '%s': expected delete or compact".formatted(policy));
      }
    }
  }

  /**
   * Kafka's rules for {@code process.roles} in KRaft mode: a node with the controller role is one
   * of the voters, a broker-only node is not (it observes the quorum).
   */
  private void checkRoles() {
    Set<String> roles = processRoles();
    if (roles.isEmpty()) {
      throw new ConfigException(PROCESS_ROLES.key(), "must name broker, controller or both");
    }
    List<Integer> voterIds = quorumVoters().stream().map(QuorumVoter::id).toList();
    boolean controller = roles.contains("controller");
    if (voterIds.isEmpty()) {
      if (!controller) {
        throw new ConfigException(
            CONTROLLER_QUORUM_VOTERS.key(),
            "a broker-only node (process.roles=broker) needs the voters of the metadata quorum");
      }
      if (!roles.contains("broker")) {
        throw new ConfigException(
            CONTROLLER_QUORUM_VOTERS.key(),
            "a controller-only node (process.roles=controller) is a voter of a metadata quorum:"
                + " name the voters");
      }
      return; // a single node keeps its metadata itself
    }
    if (controller && !voterIds.contains(nodeId())) {
      throw new ConfigException(
          NODE_ID.key(),
          "node %d has the controller role, so it must be one of controller.quorum.voters %s"
                  .formatted(nodeId(), voterIds)
              + " (a broker-only node has process.roles=broker)");
    }
    if (!controller && voterIds.contains(nodeId())) {
      throw new ConfigException(
          NODE_ID.key(),
          "node %d is broker-only (process.roles=broker), so it must not be one of"
                  .formatted(nodeId())
              + " controller.quorum.voters %s".formatted(voterIds));
    }
  }

  /** A node with {@code process.roles=controller}: a voter of the quorum, no broker. */
  public boolean controllerOnly() {
    return !processRoles().contains("broker");
  }

  /** {@code process.roles}: broker, controller, or both. */
  public Set<String> processRoles() {
    Set<String> roles = new TreeSet<>();
    for (String role : getString(PROCESS_ROLES).split(",")) {
      String r = role.trim();
      if (r.isEmpty()) {
        continue;
      }
      if (!r.equals("broker") && !r.equals("controller")) {
        throw new ConfigException(
            PROCESS_ROLES.key(), "invalid value '%s': expected broker or controller".formatted(r));
      }
      roles.add(r);
    }
    return roles;
  }

  private void atLeast(BrokerProperty p, long min) {
    long value = ((Number) values.get(p)).longValue();
    if (value < min) {
      throw new ConfigException(
          p.key(), "invalid value %d: must be at least %d".formatted(value, min));
    }
  }

  public int getInt(BrokerProperty p) {
    return (Integer) values.get(p);
  }

  public long getLong(BrokerProperty p) {
    return (Long) values.get(p);
  }

  public boolean getBoolean(BrokerProperty p) {
    return (Boolean) values.get(p);
  }

  public String getString(BrokerProperty p) {
    return (String) values.get(p);
  }

  /** Every property with its effective value, for DescribeConfigs and the start-up log. */
  public Map<BrokerProperty, Object> values() {
    return java.util.Collections.unmodifiableMap(values);
  }

  /** Every property by its Kafka name, with its effective value as text. */
  public Map<String, String> asStrings() {
    Map<String, String> all = new LinkedHashMap<>();
    values.forEach((p, v) -> all.put(p.key(), String.valueOf(v)));
    return all;
  }

  public int nodeId() {
    return getInt(NODE_ID);
  }

  public Listeners listeners() {
    return listeners;
  }

  public List<Path> logDirs() {
    List<Path> dirs = new ArrayList<>();
    for (String dir : getString(LOG_DIRS).split(",")) {
      if (!dir.isBlank()) {
        dirs.add(Path.of(dir.trim()));
      }
    }
    return dirs;
  }

  /** The name the voters' Raft listener goes by: the first of controller.listener.names. */
  public String controllerListenerName() {
    return Listeners.upperCaseList(getString(CONTROLLER_LISTENER_NAMES)).stream()
        .findFirst()
        .orElse("CONTROLLER");
  }

  public List<QuorumVoter> quorumVoters() {
    return QuorumVoter.parseList(
        CONTROLLER_QUORUM_VOTERS.key(), getString(CONTROLLER_QUORUM_VOTERS));
  }

  public int groupMinSessionTimeoutMs() {
    return getInt(GROUP_MIN_SESSION_TIMEOUT_MS);
  }

  public int groupMaxSessionTimeoutMs() {
    return getInt(GROUP_MAX_SESSION_TIMEOUT_MS);
  }

  /** A copy with some properties replaced, for tests and tools. */
  public BrokerConfig with(Map<String, String> changes) {
    Map<String, String> all = asStrings();
    all.putAll(changes);
    return of(all);
  }
}
