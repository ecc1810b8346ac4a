package dev.eventshop.broker.quota;

import dev.eventshop.broker.metadata.ClusterMetadata;
import java.util.Optional;
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
 * never waits on one. Thread-safe.
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
      return metadata
          .get()
          .topic(tp.topic())
          .map(t -> t.configs().get(replicasConfig))
          .map(list -> lists(list, tp.partition(), brokerId))
          .orElse(false);
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
      return metadata.get().brokerConfig(brokerId, rateConfig).map(Long::parseLong);
    }
  }

  /** Whether a replica list ({@code *} or {@code partition:broker,...}) names the replica. */
  static boolean lists(String list, int partition, int broker) {
    String trimmed = list.trim();
    if (trimmed.equals("*")) {
      return true;
    }
    String wanted = partition + ":" + broker;
    for (String entry : trimmed.split(",")) {
      if (entry.trim().equals(wanted)) {
        return true;
      }
    }
    return false;
  }
}
