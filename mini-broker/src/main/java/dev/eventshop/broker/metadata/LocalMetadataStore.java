package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * The metadata of a single-node cluster, kept in {@code <log dir>/cluster-metadata.properties} and
 * rewritten atomically on every change. This node leads every partition. The cluster id is kept in
 * {@code meta.properties}, as Kafka does. Thread-safe: changes are serialized.
 */
public final class LocalMetadataStore implements MetadataStore {

  private static final String FEATURES_EPOCH = "features.epoch";

  private final Path file;
  private final List<Consumer<ClusterMetadata>> listeners = new CopyOnWriteArrayList<>();
  private final BrokerInfo self;
  private volatile ClusterMetadata current;

  /**
   * @param endpoints where clients reach this broker, one per advertised listener
   */
  public LocalMetadataStore(Path logDir, int nodeId, List<ClusterMetadata.Endpoint> endpoints) {
    this.file = logDir.resolve("cluster-metadata.properties");
    this.self = new BrokerInfo(nodeId, endpoints, false);
    try {
      Files.createDirectories(logDir);
      String clusterId = MetaProperties.readOrCreate(logDir, nodeId);
      Properties saved = readSaved();
      this.current =
          new ClusterMetadata(
              clusterId,
              nodeId,
              Map.of(nodeId, self),
              topics(saved),
              clientQuotas(saved),
              brokerConfigs(saved),
              features(saved));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read cluster metadata in " + logDir, e);
    }
  }

  @Override
  public ClusterMetadata current() {
    return current;
  }

  @Override
  public void addListener(Consumer<ClusterMetadata> listener) {
    listeners.add(listener);
  }

  @Override
  public synchronized TopicInfo createTopic(
      String name,
      int partitions,
      short replicationFactor,
      Map<String, String> configs,
      boolean validateOnly) {
    TopicNames.validate(name);
    if (current.topics().containsKey(name)) {
      throw new TopicExistsException("Topic '" + name + "' already exists.");
    }
    if (partitions < 1) {
      throw new InvalidPartitionsException("Number of partitions must be larger than 0.");
    }
    if (replicationFactor < 1 || replicationFactor > current.liveBrokers().size()) {
      throw new InvalidReplicationFactorException(
          "Replication factor: %d larger than available brokers: %d."
              .formatted(replicationFactor, current.liveBrokers().size()));
    }
    List<PartitionInfo> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(partition(p));
    }
    TopicInfo topic =
        new TopicInfo(name, Uuid.randomUuid(), List.copyOf(parts), Map.copyOf(configs));
    if (!validateOnly) {
      Map<String, TopicInfo> topics = new TreeMap<>(current.topics());
      topics.put(name, topic);
      publish(topics);
    }
    return topic;
  }

  @Override
  public synchronized void deleteTopic(String name) {
    if (!current.topics().containsKey(name)) {
      throw new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist.");
    }
    Map<String, TopicInfo> topics = new TreeMap<>(current.topics());
    topics.remove(name);
    publish(topics);
  }

  @Override
  public synchronized void createPartitions(
      String name, int totalPartitions, boolean validateOnly) {
    TopicInfo topic =
        current
            .topic(name)
            .orElseThrow(
                () -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
    int existing = topic.partitions().size();
    if (totalPartitions <= existing) {
      throw new InvalidPartitionsException(
          "Topic currently has %d partitions, which is higher than the requested %d."
              .formatted(existing, totalPartitions));
    }
    if (validateOnly) {
      return;
    }
    List<PartitionInfo> parts = new ArrayList<>(topic.partitions());
    for (int p = existing; p < totalPartitions; p++) {
      parts.add(partition(p));
    }
    Map<String, TopicInfo> topics = new TreeMap<>(current.topics());
    topics.put(name, new TopicInfo(name, topic.id(), List.copyOf(parts), topic.configs()));
    publish(topics);
  }

  /**
   * A single node can only move a partition to itself, where it is already: every valid target
   * changes nothing, and there is never a reassignment in progress to cancel.
   */
  @Override
  public Map<TopicPartition, ApiError> alterPartitionReassignments(
      Map<TopicPartition, Optional<List<Integer>>> targets, boolean allowReplicationFactorChange) {
    return Reassignments.whyNot(current(), targets, allowReplicationFactorChange, false);
  }

  @Override
  public synchronized Map<ClientQuotas.Entity, ApiError> alterClientQuotas(
      Map<ClientQuotas.Entity, Map<String, Double>> alterations, boolean validateOnly) {
    Map<ClientQuotas.Entity, ApiError> outcome = new LinkedHashMap<>();
    ClientQuotas quotas = current.clientQuotas();
    for (Map.Entry<ClientQuotas.Entity, Map<String, Double>> e : alterations.entrySet()) {
      ApiError why = ClientQuotas.whyNot(e.getKey(), e.getValue());
      outcome.put(e.getKey(), why);
      if (why.isSuccess()) {
        quotas = quotas.alter(e.getKey(), e.getValue());
      }
    }
    if (!validateOnly && !quotas.equals(current.clientQuotas())) {
      publish(current.withClientQuotas(quotas));
    }
    return outcome;
  }

  @Override
  public synchronized void setBrokerConfigs(String broker, Map<String, String> configs) {
    Map<String, Map<String, String>> all = new TreeMap<>(current.brokerConfigs());
    if (configs.isEmpty()) {
      all.remove(broker);
    } else {
      all.put(broker, Map.copyOf(configs));
    }
    publish(current.withBrokerConfigs(Map.copyOf(all)));
  }

  @Override
  public synchronized void setFeatureLevels(Map<String, Short> levels) {
    FinalizedFeatures next = current.features().with(levels);
    if (next != current.features()) {
      publish(current.withFeatures(next));
    }
  }

  /** A single node leads every partition it has: there is never an election to hold. */
  @Override
  public Map<TopicPartition, Errors> electLeaders(
      boolean unclean, Collection<TopicPartition> partitions) {
    return LeaderElection.whyNot(current(), partitions, unclean);
  }

  @Override
  public synchronized void setTopicConfigs(String name, Map<String, String> configs) {
    TopicInfo topic =
        current
            .topic(name)
            .orElseThrow(
                () -> new UnknownTopicOrPartitionException("Topic '" + name + "' does not exist."));
    Map<String, TopicInfo> topics = new TreeMap<>(current.topics());
    topics.put(name, new TopicInfo(name, topic.id(), topic.partitions(), Map.copyOf(configs)));
    publish(topics);
  }

  /** A single replica is always its own ISR: there is nothing to change. */
  @Override
  public CompletableFuture<ApiError> alterIsr(
      TopicPartition partition, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
    return CompletableFuture.completedFuture(ApiError.NONE);
  }

  @Override
  public void controlledShutdown(Duration timeout) {}

  private PartitionInfo partition(int p) {
    return new PartitionInfo(p, List.of(self.id()), self.id(), 0, List.of(self.id()));
  }

  private void publish(Map<String, TopicInfo> topics) {
    publish(current.withTopics(Map.copyOf(topics)));
  }

  private void publish(ClusterMetadata next) {
    save(next);
    current = next;
    for (Consumer<ClusterMetadata> listener : listeners) {
      listener.accept(next);
    }
  }

  private void save(ClusterMetadata metadata) {
    Properties props = new Properties();
    metadata
        .topics()
        .values()
        .forEach(
            t -> {
              String prefix = "topic." + t.name() + ".";
              props.setProperty(prefix + "id", t.id().toString());
              props.setProperty(prefix + "partitions", String.valueOf(t.partitions().size()));
              t.configs().forEach((k, v) -> props.setProperty(prefix + "config." + k, v));
            });
    metadata
        .brokerConfigs()
        .forEach(
            (broker, configs) ->
                configs.forEach(
                    (k, v) ->
                        props.setProperty(
                            "broker." + (broker.isEmpty() ? "default" : broker) + "." + k, v)));
    metadata
        .features()
        .levels()
        .forEach((feature, level) -> props.setProperty("feature." + feature, "" + level));
    props.setProperty(FEATURES_EPOCH, "" + metadata.features().epoch());
    int index = 0;
    for (Map.Entry<ClientQuotas.Entity, Map<String, Double>> e :
        metadata.clientQuotas().byEntity().entrySet()) {
      String prefix = "quota." + index++ + ".";
      e.getKey()
          .parts()
          .forEach(
              (type, name) -> {
                if (name == null) {
                  props.setProperty(prefix + "default." + type, "true");
                } else {
                  props.setProperty(prefix + "entity." + type, name);
                }
              });
      e.getValue().forEach((key, value) -> props.setProperty(prefix + "value." + key, "" + value));
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      props.store(
          out, "mini-broker cluster metadata (single node); do not edit while the broker runs");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Properties readSaved() throws IOException {
    Properties props = new Properties();
    if (Files.exists(file)) {
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        props.load(in);
      }
    }
    return props;
  }

  /**
   * The feature levels saved as {@code feature.<name>} and their epoch; none set and epoch 0 in a
   * file written before features were kept.
   */
  private static FinalizedFeatures features(Properties props) {
    Map<String, Short> levels = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      if (key.startsWith("feature.")) {
        levels.put(key.substring("feature.".length()), Short.parseShort(props.getProperty(key)));
      }
    }
    return new FinalizedFeatures(levels, Long.parseLong(props.getProperty(FEATURES_EPOCH, "0")));
  }

  /** The dynamic broker configs saved as {@code broker.<id or "default">.<name>}. */
  private static Map<String, Map<String, String>> brokerConfigs(Properties props) {
    Map<String, Map<String, String>> configs = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      String[] parts = key.split("\\.", 3);
      if (parts.length == 3 && parts[0].equals("broker")) {
        configs
            .computeIfAbsent(parts[1].equals("default") ? "" : parts[1], b -> new TreeMap<>())
            .put(parts[2], props.getProperty(key));
      }
    }
    Map<String, Map<String, String>> copy = new TreeMap<>();
    configs.forEach((broker, values) -> copy.put(broker, Map.copyOf(values)));
    return Map.copyOf(copy);
  }

  /**
   * The client quotas saved as {@code quota.<n>.entity|default.<type>} and {@code .value.<key>}.
   */
  private static ClientQuotas clientQuotas(Properties props) {
    Map<String, Map<String, String>> entities = new TreeMap<>();
    Map<String, Map<String, Double>> values = new TreeMap<>();
    for (String key : props.stringPropertyNames()) {
      if (!key.startsWith("quota.")) {
        continue;
      }
      String[] parts = key.split("\\.", 4);
      if (parts.length != 4) {
        continue;
      }
      String property = props.getProperty(key);
      switch (parts[2]) {
        case "entity" ->
            entities.computeIfAbsent(parts[1], i -> new TreeMap<>()).put(parts[3], property);
        case "default" ->
            entities.computeIfAbsent(parts[1], i -> new TreeMap<>()).put(parts[3], null);
        case "value" ->
            values
                .computeIfAbsent(parts[1], i -> new TreeMap<>())
                .put(parts[3], Double.parseDouble(property));
        default -> {}
      }
    }
    Map<ClientQuotas.Entity, Map<String, Double>> quotas = new java.util.HashMap<>();
    entities.forEach(
        (index, parts) ->
            quotas.put(
                new ClientQuotas.Entity(new TreeMap<>(parts)),
                values.getOrDefault(index, Map.of())));
    return new ClientQuotas(quotas);
  }

  private Map<String, TopicInfo> topics(Properties props) {
    Map<String, TopicInfo> topics = new TreeMap<>();
    // Topic names cannot contain ".id" ambiguity: names are matched by their known suffixes.
    for (String key : props.stringPropertyNames()) {
      if (key.startsWith("topic.") && key.endsWith(".id")) {
        String name = key.substring("topic.".length(), key.length() - ".id".length());
        String prefix = "topic." + name + ".";
        int count = Integer.parseInt(props.getProperty(prefix + "partitions"));
        Map<String, String> configs = new TreeMap<>();
        for (String k : props.stringPropertyNames()) {
          if (k.startsWith(prefix + "config.")) {
            configs.put(k.substring((prefix + "config.").length()), props.getProperty(k));
          }
        }
        List<PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < count; p++) {
          parts.add(partition(p));
        }
        topics.put(
            name,
            new TopicInfo(
                name,
                Uuid.fromString(props.getProperty(key)),
                List.copyOf(parts),
                Map.copyOf(configs)));
      }
    }
    return topics;
  }

  @Override
  public void close() {}
}
