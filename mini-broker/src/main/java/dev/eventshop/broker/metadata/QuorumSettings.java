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
 * @param preferredLeaderCheckInterval how often the controller moves leadership back to preferred
 *     replicas that are in sync
 * @param requestTimeout how long a metadata change waits for the quorum before failing
 * @param snapshotThreshold Raft log entries after which a snapshot is taken and the log purged
 */
public record QuorumSettings(
    Duration heartbeatInterval,
    Duration sessionTimeout,
    boolean uncleanLeaderElection,
    Duration preferredLeaderCheckInterval,
    Duration requestTimeout,
    long snapshotThreshold) {

  public static QuorumSettings defaults() {
    return new QuorumSettings(
        Duration.ofMillis(500),
        Duration.ofMillis(3000),
        false,
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        1000);
  }

  public QuorumSettings withHeartbeat(Duration interval, Duration sessionTimeout) {
    return new QuorumSettings(
        interval,
        sessionTimeout,
        uncleanLeaderElection,
        preferredLeaderCheckInterval,
        requestTimeout,
        snapshotThreshold);
  }

  public QuorumSettings withUncleanLeaderElection(boolean enabled) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        enabled,
        preferredLeaderCheckInterval,
        requestTimeout,
        snapshotThreshold);
  }

  public QuorumSettings withPreferredLeaderCheckInterval(Duration interval) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        uncleanLeaderElection,
        interval,
        requestTimeout,
        snapshotThreshold);
  }

  public QuorumSettings withRequestTimeout(Duration timeout) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        uncleanLeaderElection,
        preferredLeaderCheckInterval,
        timeout,
        snapshotThreshold);
  }

  public QuorumSettings withSnapshotThreshold(long entries) {
    return new QuorumSettings(
        heartbeatInterval,
        sessionTimeout,
        uncleanLeaderElection,
        preferredLeaderCheckInterval,
        requestTimeout,
        entries);
  }
}
