package dev.eventshop.broker.replication;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.LogStore;
import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.quota.ReplicationThrottles;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition replicas this broker hosts, kept in step with the cluster metadata: a replica is
 * opened when a topic assigns one to this broker, leads or follows as the metadata says (followers
 * fetch through a {@link ReplicaFetcher} per leader), and is deleted with its topic. It also checks
 * the ISRs of the partitions it leads every half {@code replica.lag.time.max.ms}. Thread-safe.
 */
public final class Replicas implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Replicas.class);

  /** Told when this broker starts or stops leading a partition (the group coordinator listens). */
  public interface LeadershipListener {
    void onLeadershipChange(TopicPartition tp, boolean leader, int leaderEpoch);
  }

  private final int localBrokerId;
  private final LogStore logStore;
  private final Function<Map<String, String>, LogConfig> logConfigOf;
  private final Consumer<TopicPartition> onNewData;
  private final Partition.IsrChanger isrChanger;
  private final String interBrokerListener;
  private final ReplicationThrottles.Side followerThrottle;
  private final Set<Integer> missingListenerWarned = ConcurrentHashMap.newKeySet();
  private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
  private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
  private final List<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();
  private volatile ClusterMetadata metadata;
  private boolean strayCheckDue;

  /**
   * @param logConfigOf turns a topic's config overrides into its effective log config
   * @param onNewData told whenever a partition's log end or high watermark moves (wakes fetches)
   * @param isrChanger asks the controller to change an ISR
   * @param interBrokerListener the listener name on which followers reach their leaders
   */
  public Replicas(
      int localBrokerId,
      LogStore logStore,
      Function<Map<String, String>, LogConfig> logConfigOf,
      Consumer<TopicPartition> onNewData,
      Partition.IsrChanger isrChanger,
      String interBrokerListener,
      ScheduledExecutorService scheduler,
      long replicaLagTimeMaxMs,
      ReplicationThrottles.Side followerThrottle) {
    this.followerThrottle = followerThrottle;
    this.localBrokerId = localBrokerId;
    this.logStore = logStore;
    this.logConfigOf = logConfigOf;
    this.onNewData = onNewData;
    this.isrChanger = isrChanger;
    this.interBrokerListener = interBrokerListener;
    long interval = Math.max(10, replicaLagTimeMaxMs / 2);
    scheduler.scheduleWithFixedDelay(
        () -> {
          long now = System.currentTimeMillis();
          for (Partition p : partitions.values()) {
            try {
              p.maybeShrinkIsr(now, replicaLagTimeMaxMs);
            } catch (RuntimeException e) {
              log.error("{}: ISR check failed", p.topicPartition(), e);
            }
          }
        },
        interval,
        interval,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Sets stray replicas aside (see {@link LogStore#setAsideStray}) once the next metadata is
   * applied. Only for metadata that is the cluster's current state: a cluster node's first
   * published state (it publishes only once caught up with the quorum).
   */
  public synchronized void setAsideStrayOnNextApply() {
    strayCheckDue = true;
  }

  public void addLeadershipListener(LeadershipListener listener) {
    leadershipListeners.add(listener);
  }

  /** Brings the hosted replicas in line with {@code metadata}. */
  public synchronized void apply(ClusterMetadata metadata) {
    this.metadata = metadata;
    long now = System.currentTimeMillis();
    Set<TopicPartition> wanted = new HashSet<>();
    for (TopicInfo topic : metadata.topics().values()) {
      LogConfig config = logConfigOf.apply(topic.configs());
      for (PartitionInfo info : topic.partitions()) {
        if (!info.replicas().contains(localBrokerId)) {
          continue;
        }
        TopicPartition tp = new TopicPartition(topic.name(), info.partition());
        wanted.add(tp);
        try {
          applyTo(tp, topic, info, config, now);
        } catch (RuntimeException e) {
          // One partition that cannot follow the metadata (its log cannot be opened) must not
          // keep the others from it.
          log.error("{}: cannot apply the metadata to this replica", tp, e);
        }
      }
    }
    for (TopicPartition tp : Set.copyOf(partitions.keySet())) {
      if (!wanted.contains(tp)) {
        remove(tp);
      }
    }
    if (strayCheckDue) {
      strayCheckDue = false;
      logStore.setAsideStray();
    }
  }

  private void applyTo(
      TopicPartition tp, TopicInfo topic, PartitionInfo info, LogConfig config, long now) {
    Partition partition = partitions.get(tp);
    if (partition != null && !partition.topicId().equals(topic.id())) {
      remove(tp); // same name, new topic
      partition = null;
    }
    if (partition == null) {
      PartitionLog partitionLog = logStore.getOrCreate(tp, topic.id(), config);
      partition = new Partition(tp, topic.id(), partitionLog, localBrokerId, onNewData, isrChanger);
      partitions.put(tp, partition);
    } else {
      partition.log().updateConfig(config);
    }
    boolean wasLeader = partition.isLeader();
    boolean changed =
        partition.update(
            info.leader(),
            info.leaderEpoch(),
            info.partitionEpoch(),
            info.replicas(),
            info.isr(),
            now);
    if (changed) {
      follow(partition, info);
    }
    if (changed || wasLeader != partition.isLeader()) {
      for (LeadershipListener listener : leadershipListeners) {
        listener.onLeadershipChange(tp, partition.isLeader(), info.leaderEpoch());
      }
    }
  }

  private void follow(Partition partition, PartitionInfo info) {
    TopicPartition tp = partition.topicPartition();
    fetchers.values().forEach(f -> f.remove(tp));
    if (!partition.isLeader() && info.leader() >= 0) {
      int leader = info.leader();
      fetchers
          .computeIfAbsent(
              leader,
              id -> new ReplicaFetcher(localBrokerId, id, () -> addressOf(id), followerThrottle))
          .add(partition, info.leaderEpoch());
    }
    fetchers
        .entrySet()
        .removeIf(
            e -> {
              if (e.getValue().isEmpty()) {
                e.getValue().close();
                return true;
              }
              return false;
            });
  }

  private ClusterMetadata.Endpoint addressOf(int brokerId) {
    ClusterMetadata current = metadata;
    BrokerInfo broker = current == null ? null : current.brokers().get(brokerId);
    if (broker == null) {
      return null;
    }
    Optional<ClusterMetadata.Endpoint> endpoint = broker.endpoint(interBrokerListener);
    if (endpoint.isEmpty()) {
      if (missingListenerWarned.add(brokerId)) {
        log.warn(
            "broker {} has no listener {} (inter.broker.listener.name): cannot follow it; its"
                + " listeners are {}",
            brokerId,
            interBrokerListener,
            broker.endpoints());
      }
      return null;
    }
    return endpoint.get();
  }

  private void remove(TopicPartition tp) {
    Partition removed = partitions.remove(tp);
    if (removed != null) {
      fetchers.values().forEach(f -> f.remove(tp));
      removed.stop();
      if (removed.isLeader()) {
        for (LeadershipListener listener : leadershipListeners) {
          listener.onLeadershipChange(tp, false, removed.leaderEpoch());
        }
      }
      logStore.delete(tp);
      log.info("{}: replica deleted", tp);
    }
  }

  public Optional<Partition> get(TopicPartition tp) {
    return Optional.ofNullable(partitions.get(tp));
  }

  public Map<TopicPartition, Partition> all() {
    return Map.copyOf(partitions);
  }

  @Override
  public synchronized void close() {
    fetchers.values().forEach(ReplicaFetcher::close);
    fetchers.clear();
    partitions.values().forEach(Partition::stop);
    partitions.clear();
    logStore.close();
  }
}
