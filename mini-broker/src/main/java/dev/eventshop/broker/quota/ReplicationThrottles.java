package dev.eventshop.broker.quota;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Replication throttles, as Kafka's ReplicationQuotaManager applies them ({@code
 * kafka-reassign-partitions.sh --throttle}): a broker sends the replicas listed in a topic's
 * {@value #LEADER_REPLICAS} to followers that are not in sync at no more than its {@value
 * #LEADER_RATE}, and fetches the replicas listed in {@value #FOLLOWER_REPLICAS}, while not in sync,
 * at no more than its {@value #FOLLOWER_RATE}. The rates are dynamic broker configs (bytes per
 * second; none by default), the lists topic configs of {@code partition:broker} entries or {@code
 * *}. Over its rate a leader leaves the throttled partitions out of a follower's fetch answer, and
 * a follower leaves them out of its fetch, until the rate, counted like a client quota's over 11
 * one-second samples, is back under the limit. In-sync replicas are never throttled, so acks=all
 * never waits on one.
 *
 * <p>A fetch asks for every partition whether it is throttled, so each side resolves its configs
 * once per {@link ClusterMetadata} snapshot rather than per partition: the rate for this broker,
 * parsed, and per topic the partitions its list names for this broker. The resolution is kept until
 * the supplier returns another snapshot (compared by identity: snapshots are immutable and every
 * change publishes a new one), and is then made again on first use.
 *
 * <p>Thread-safe: a side's rate is guarded by the side; its resolved configs are an immutable value
 * in a volatile field, where a race at most resolves one snapshot twice.
 */
public final class ReplicationThrottles {

  public static final String LEADER_RATE = "leader.replication.throttled.rate";
  public static final String FOLLOWER_RATE = "follower.replication.throttled.rate";
  public static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
  public static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";

  private final int brokerId;
  private final Supplier<ClusterMetadata> metadata;
  private final Side leader = new Side(LEADER_RATE, LEADER_REPLICAS);
  private final Side follower = new Side(FOLLOWER_RATE, FOLLOWER_REPLICAS);

  public ReplicationThrottles(int brokerId, Supplier<ClusterMetadata> metadata) {
    this.brokerId = brokerId;
    this.metadata = metadata;
  }

  /** The leader side: what this broker sends to followers. */
  public Side leader() {
    return leader;
  }

  /** The follower side: what this broker fetches from leaders. */
  public Side follower() {
    return follower;
  }

  /** One side's rate and replica lists. */
  public final class Side {
    private final String rateConfig;
    private final String replicasConfig;
    private ClientQuotaManager.Rate rate;
    private volatile Resolved resolved;

    private Side(String rateConfig, String replicasConfig) {
      this.rateConfig = rateConfig;
      this.replicasConfig = replicasConfig;
    }

    /**
     * Whether {@code tp}'s replica here is throttled on this side (listed for this broker) and the
     * replica on the other end ({@code inSync}) is out of sync.
     */
    public boolean isThrottled(TopicPartition tp, boolean inSync) {
      if (inSync) {
        return false;
      }
      Listed listed = resolved().listed().get(tp.topic());
      return listed != null && listed.names(tp.partition());
    }

    /** Whether this side has sent or fetched more than its rate allows now. */
    public synchronized boolean isExceeded(long nowMs) {
      Optional<Long> bound = bound();
      return bound.isPresent() && rate != null && rate.perSecond(nowMs) > bound.get();
    }

    /** Counts bytes of throttled replicas sent or fetched. */
    public synchronized void record(long bytes, long nowMs) {
      if (bytes <= 0 || bound().isEmpty()) {
        return;
      }
      if (rate == null) {
        rate = new ClientQuotaManager.Rate(nowMs);
      }
      rate.record(bytes, nowMs);
    }

    private Optional<Long> bound() {
      Resolved current = resolved();
      // A rate that is not a number (refused when set: only a hand-edited metadata file has one)
      // fails wherever the rate is used, as it did before it was cached: parse it again to throw.
      return current.bound().isPresent() || current.rate().isEmpty()
          ? current.bound()
          : current.rate().map(Long::parseLong);
    }

    /** This side's configs in the current metadata: resolved once per snapshot. */
    private Resolved resolved() {
      ClusterMetadata current = metadata.get();
      Resolved last = resolved;
      if (last != null && last.source() == current) {
        return last;
      }
      Resolved next = resolve(current);
      resolved = next;
      return next;
    }

    private Resolved resolve(ClusterMetadata current) {
      Optional<String> rateText = current.brokerConfig(brokerId, rateConfig);
      Optional<Long> bound;
      try {
        bound = rateText.map(Long::parseLong);
      } catch (NumberFormatException notANumber) {
        bound = Optional.empty(); // parsed again, to fail, by bound()
      }
      Map<String, Listed> listed = new HashMap<>();
      for (Map.Entry<String, TopicInfo> topic : current.topics().entrySet()) {
        String list = topic.getValue().configs().get(replicasConfig);
        if (list != null) {
          Listed here = listed(list, brokerId);
          if (here.all() || !here.partitions().isEmpty()) {
            listed.put(topic.getKey(), here);
          }
        }
      }
      return new Resolved(current, rateText, bound, Map.copyOf(listed));
    }
  }

  /**
   * One side's configs as resolved from one metadata snapshot: the rate as set (empty without one)
   * and parsed (empty also when it is not a number), and by topic name the partitions its list
   * names on this broker (topics that name none are left out). Immutable.
   */
  private record Resolved(
      ClusterMetadata source,
      Optional<String> rate,
      Optional<Long> bound,
      Map<String, Listed> listed) {}

  /** The partitions a replica list names on one broker: all of them ({@code *}) or some. */
  record Listed(boolean all, Set<Integer> partitions) {
    boolean names(int partition) {
      return all || partitions.contains(partition);
    }
  }

  /**
   * The partitions a replica list ({@code *} or {@code partition:broker,...}) names on {@code
   * broker}. An entry names partition p exactly when, trimmed, it reads {@code p + ":" + broker}:
   * entries are compared as text, so {@code 01:1} or {@code +1:1} name no partition.
   */
  static Listed listed(String list, int broker) {
    String trimmed = list.trim();
    if (trimmed.equals("*")) {
      return new Listed(true, Set.of());
    }
    String suffix = ":" + broker;
    Set<Integer> partitions = new HashSet<>();
    for (String entry : trimmed.split(",")) {
      String e = entry.trim();
      if (e.endsWith(suffix)) {
        String partition = e.substring(0, e.length() - suffix.length());
        try {
          int p = Integer.parseInt(partition);
          if (String.valueOf(p).equals(partition)) {
            partitions.add(p);
          }
        } catch (NumberFormatException notAPartition) {
          // names no partition
        }
      }
    }
    return new Listed(false, Set.copyOf(partitions));
  }
}
