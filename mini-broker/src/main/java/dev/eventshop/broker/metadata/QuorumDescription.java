package dev.eventshop.broker.metadata;

import java.util.List;

/**
 * The metadata quorum as Kafka's DescribeQuorum shows it (Admin.describeMetadataQuorum, {@code
 * kafka-metadata-quorum.sh describe}), in Kafka's terms: offsets are positions in the metadata log,
 * one past the last entry (so the high watermark is the Raft commit index + 1), and timestamps are
 * the leader's wall clock in milliseconds, -1 when unknown.
 *
 * @param leaderId the Raft leader: the active controller
 * @param leaderEpoch the Raft term
 * @param highWatermark one past the last committed entry
 * @param voters every voter, the leader first
 * @param observers the broker-only nodes that fetched the log from this leader recently
 */
public record QuorumDescription(
    int leaderId,
    int leaderEpoch,
    long highWatermark,
    List<Replica> voters,
    List<Replica> observers) {

  /**
   * One replica of the metadata log as the leader sees it.
   *
   * @param logEndOffset one past the last entry it is known to have, -1 if unknown
   * @param lastFetchTimestamp when it last fetched (-1 for the leader itself, or unknown)
   * @param lastCaughtUpTimestamp when it last had everything the leader had (now for the leader)
   */
  public record Replica(
      int id, long logEndOffset, long lastFetchTimestamp, long lastCaughtUpTimestamp) {}
}
