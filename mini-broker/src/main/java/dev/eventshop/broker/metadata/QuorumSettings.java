package dev.eventshop.broker.metadata;

import java.time.Duration;

/**
 * Timing and policy of the metadata quorum.
 *
 * @param heartbeatInterval how often a broker heartbeats to the controller ({@code
 *     broker.heartbeat.interval.ms})
 * @param sessionTimeout a broker not heard from for this long is fenced ({@code
 *     broker.session.timeout.ms}); a new controller also waits this long before fencing anyone
 * @param uncleanLeaderElection whether a replica outside the ISR may be elected ({@code
 *     unclean.leader.election.enable}); a topic config overrides it
 * @param autoLeaderRebalance whether the controller moves leadership back to preferred replicas
 *     that are alive and in sync ({@code auto.leader.rebalance.enable})
 * @param preferredLeaderCheckInterval how often it does ({@code
 *     leader.imbalance.check.interval.seconds})
 * @param requestTimeout how long a metadata change waits for the quorum before failing
 * @param snapshotThreshold Raft log entries after which a snapshot is taken and the log purged
 */
public record QuorumSettings(
    Duration heartbeatInterval,
    Duration sessionTimeout,
    boolean uncleanLeaderElection,
    boolean autoLeaderRebalance,
    Duration preferredLeaderCheckInterval,
    Duration requestTimeout,
    long snapshotThreshold) {

  public static QuorumSettings defaults() {
    return new QuorumSettings(
        Duration.ofMillis(500),
        Duration.ofMillis(3000),
        false,
        true,
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        1000);
  }

  public QuorumSettings withHeartbeat(Duration interval, Duration sessionTimeout) {
    return new QuorumSettings(
        interval,
        sessionTimeout,
        uncleanLeaderElection,
        autoLeaderRebalance,
        preferredLeaderCheckInterval,
        requestTimeout,
        snapshotThreshold);
  }

  public QuorumSettings withUncleanLeaderElection(boolean enabled) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        enabled,
        autoLeaderRebalance,
        preferredLeaderCheckInterval,
        requestTimeout,
        snapshotThreshold);
  }

  public QuorumSettings withPreferredLeaderCheckInterval(Duration interval) {
    return withAutoLeaderRebalance(autoLeaderRebalance, interval);
  }

  public QuorumSettings withAutoLeaderRebalance(boolean enabled, Duration interval) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        uncleanLeaderElection,
        enabled,
        interval,
        requestTimeout,
        snapshotThreshold);
  }

  public QuorumSettings withRequestTimeout(Duration timeout) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        uncleanLeaderElection,
        autoLeaderRebalance,
        preferredLeaderCheckInterval,
        timeout,
        snapshotThreshold);
  }

  public QuorumSettings withSnapshotThreshold(long entries) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        uncleanLeaderElection,
        autoLeaderRebalance,
        preferredLeaderCheckInterval,
        requestTimeout,
        entries);
  }
}
