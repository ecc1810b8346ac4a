package dev.eventshop.broker.metadata;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * An immutable snapshot of the cluster as clients see it in Metadata: brokers, topics with their
 * ids, and per partition its replicas, leader, leader epoch and in-sync replicas; the client
 * quotas; the dynamic broker configs (the replication throttle rates), by broker id, "" for the
 * cluster-wide default; and the finalized feature levels. Every change produces a new snapshot;
 * leader epochs of a partition only move forward.
 */
public record ClusterMetadata(
    String clusterId,
    int controllerId,
    Map<Integer, BrokerInfo> brokers,
    Map<String, TopicInfo> topics,
    ClientQuotas clientQuotas,
    Map<String, Map<String, String>> brokerConfigs,
    FinalizedFeatures features) {

  /** A cluster without client quotas or dynamic broker configs, its features at their defaults. */
  public ClusterMetadata(
      String clusterId,
      int controllerId,
      Map<Integer, BrokerInfo> brokers,
      Map<String, TopicInfo> topics) {
    this(
        clusterId,
        controllerId,
        brokers,
        topics,
        ClientQuotas.NONE,
        Map.of(),
        FinalizedFeatures.DEFAULT);
  }

  /**
   * A dynamic broker config of broker {@code brokerId}: its own value, else the cluster-wide
   * default, else empty.
   */
  public Optional<String> brokerConfig(int brokerId, String name) {
    String own = brokerConfigs.getOrDefault(String.valueOf(brokerId), Map.of()).get(name);
    return Optional.ofNullable(
        own != null ? own : brokerConfigs.getOrDefault("", Map.of()).get(name));
  }

  /**
   * The finalized level of feature {@code feature} (e.g. {@code "transaction.version"}): the level
   * set with UpdateFeatures, else the default of a new Kafka 4.1 cluster ({@link
   * SupportedFeature#defaultLevel()}), else 0 for a feature mini-broker does not implement.
   */
  public short featureLevel(String feature) {
    return features.level(feature);
  }

  public ClusterMetadata withClusterId(String clusterId) {
    return new ClusterMetadata(
        clusterId, controllerId, brokers, topics, clientQuotas, brokerConfigs, features);
  }

  public ClusterMetadata withControllerId(int controllerId) {
    return new ClusterMetadata(
        clusterId, controllerId, brokers, topics, clientQuotas, brokerConfigs, features);
  }

  public ClusterMetadata withBrokers(Map<Integer, BrokerInfo> brokers) {
    return new ClusterMetadata(
        clusterId, controllerId, brokers, topics, clientQuotas, brokerConfigs, features);
  }

  public ClusterMetadata withTopics(Map<String, TopicInfo> topics) {
    return new ClusterMetadata(
        clusterId, controllerId, brokers, topics, clientQuotas, brokerConfigs, features);
  }

  public ClusterMetadata withBrokerConfigs(Map<String, Map<String, String>> brokerConfigs) {
    return new ClusterMetadata(
        clusterId, controllerId, brokers, topics, clientQuotas, brokerConfigs, features);
  }

  public ClusterMetadata withClientQuotas(ClientQuotas clientQuotas) {
    return new ClusterMetadata(
        clusterId, controllerId, brokers, topics, clientQuotas, brokerConfigs, features);
  }

  public ClusterMetadata withFeatures(FinalizedFeatures features) {
    return new ClusterMetadata(
        clusterId, controllerId, brokers, topics, clientQuotas, brokerConfigs, features);
  }

  /** Where a broker accepts clients on one of its listeners (Kafka's advertised listener). */
  public record Endpoint(String listener, String host, int port) {
    @Override
    public String toString() {
      return listener + "://" + host + ":" + port;
    }
  }

  /**
   * A broker that registered with the cluster, with an endpoint per advertised listener. Fenced
   * brokers lead nothing.
   */
  public record BrokerInfo(int id, List<Endpoint> endpoints, boolean fenced) {
    public BrokerInfo {
      endpoints = List.copyOf(endpoints);
    }

    /** The endpoint of listener {@code name}, if this broker advertises one. */
    public Optional<Endpoint> endpoint(String listener) {
      return endpoints.stream().filter(e -> e.listener().equals(listener)).findFirst();
    }

    BrokerInfo withFenced(boolean fenced) {
      return new BrokerInfo(id, endpoints, fenced);
    }
  }

  /** A topic: its id, partitions and topic-level config overrides. */
  public record TopicInfo(
      String name, Uuid id, List<PartitionInfo> partitions, Map<String, String> configs) {
    public boolean isInternal() {
      return name.startsWith("__");
    }
  }

  /**
   * One partition's placement. {@code leader} is -1 when no replica can lead.
   *
   * <p>While a reassignment moves the partition, {@code replicas} holds both the target replicas
   * and the ones being removed (target first, as Kafka lists them); {@code addingReplicas} are the
   * target replicas that were not replicas before, {@code removingReplicas} the replicas that are
   * not in the target. Both are empty when no reassignment is in progress.
   *
   * <p>{@code partitionEpoch} counts the partition's changes, as Kafka's does: 0 when created, one
   * more on every change of its leader, ISR or replicas. A leader's ISR change names the partition
   * epoch it was asked in, and is refused once the partition has changed since. It is {@link
   * #UNKNOWN_PARTITION_EPOCH} for partitions read from metadata written before partition epochs,
   * which is never checked and stays unknown.
   */
  public record PartitionInfo(
      int partition,
      List<Integer> replicas,
      int leader,
      int leaderEpoch,
      List<Integer> isr,
      List<Integer> addingReplicas,
      List<Integer> removingReplicas,
      int partitionEpoch) {

    public static final int UNKNOWN_PARTITION_EPOCH = -1;

    public PartitionInfo {
      replicas = List.copyOf(replicas);
      isr = List.copyOf(isr);
      addingReplicas = List.copyOf(addingReplicas);
      removingReplicas = List.copyOf(removingReplicas);
    }

    /** A new partition (partition epoch 0), maybe in the middle of a reassignment. */
    public PartitionInfo(
        int partition,
        List<Integer> replicas,
        int leader,
        int leaderEpoch,
        List<Integer> isr,
        List<Integer> addingReplicas,
        List<Integer> removingReplicas) {
      this(partition, replicas, leader, leaderEpoch, isr, addingReplicas, removingReplicas, 0);
    }

    /** A new partition (partition epoch 0) that is not being reassigned. */
    public PartitionInfo(
        int partition, List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr) {
      this(partition, replicas, leader, leaderEpoch, isr, List.of(), List.of());
    }

    public boolean isReassigning() {
      return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replicas the partition will have when its reassignment completes. */
    public List<Integer> targetReplicas() {
      return replicas.stream().filter(r -> !removingReplicas.contains(r)).toList();
    }

    /** The replicas the partition had before its reassignment began. */
    public List<Integer> originalReplicas() {
      return replicas.stream().filter(r -> !addingReplicas.contains(r)).toList();
    }

    /** The same placement with another leader, leader epoch and ISR. */
    public PartitionInfo withLeader(int leader, int leaderEpoch, List<Integer> isr) {
      return new PartitionInfo(
          partition,
          replicas,
          leader,
          leaderEpoch,
          isr,
          addingReplicas,
          removingReplicas,
          partitionEpoch);
    }

    /** The same placement with another ISR. */
    public PartitionInfo withIsr(List<Integer> isr) {
      return withLeader(leader, leaderEpoch, isr);
    }

    /** The same partition with another partition epoch. */
    public PartitionInfo withPartitionEpoch(int partitionEpoch) {
      return new PartitionInfo(
          partition,
          replicas,
          leader,
          leaderEpoch,
          isr,
          addingReplicas,
          removingReplicas,
          partitionEpoch);
    }

    public boolean knowsPartitionEpoch() {
      return partitionEpoch != UNKNOWN_PARTITION_EPOCH;
    }
  }

  public Optional<TopicInfo> topic(String name) {
    return Optional.ofNullable(topics.get(name));
  }

  public Optional<TopicInfo> topicById(Uuid id) {
    return topics.values().stream().filter(t -> t.id().equals(id)).findFirst();
  }

  public Optional<PartitionInfo> partition(TopicPartition tp) {
    TopicInfo topic = topics.get(tp.topic());
    if (topic == null || tp.partition() < 0 || tp.partition() >= topic.partitions().size()) {
      return Optional.empty();
    }
    return Optional.of(topic.partitions().get(tp.partition()));
  }

  public List<BrokerInfo> liveBrokers() {
    return brokers.values().stream()
        .filter(b -> !b.fenced())
        .sorted(java.util.Comparator.comparingInt(BrokerInfo::id))
        .toList();
  }

  /**
   * The controller as clients are told it: the active controller when it is a live broker, else the
   * live broker with the lowest id (clients cannot reach a controller-only node; KRaft answers with
   * a random live broker), or -1 when there is none.
   */
  public int controllerForClients() {
    BrokerInfo controller = brokers.get(controllerId);
    if (controller != null && !controller.fenced()) {
      return controllerId;
    }
    List<BrokerInfo> live = liveBrokers();
    return live.isEmpty() ? -1 : live.get(0).id();
  }

  /**
   * The live brokers as a client of listener {@code listener} sees them: at their endpoint on it. A
   * broker without that listener is left out, as Kafka does.
   */
  public List<Node> liveNodes(String listener) {
    return liveBrokers().stream().flatMap(b -> node(b, listener).stream()).toList();
  }

  /** Broker {@code id} as a client of {@code listener} sees it, if it is live and has it. */
  public Optional<Node> liveNode(int id, String listener) {
    BrokerInfo broker = brokers.get(id);
    return broker == null || broker.fenced() ? Optional.empty() : node(broker, listener);
  }

  private static Optional<Node> node(BrokerInfo broker, String listener) {
    return broker.endpoint(listener).map(e -> new Node(broker.id(), e.host(), e.port()));
  }
}
