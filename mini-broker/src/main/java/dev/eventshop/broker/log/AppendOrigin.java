package dev.eventshop.broker.log;

/**
 * Who appends batches to a partition as its leader, as Kafka's {@code AppendOrigin} tells them
 * apart: a client's batches must follow the idempotence rules, a coordinator's are the broker's
 * own. A follower's appends ({@link PartitionLog#appendAsFollower}) copy what a leader already
 * checked and are not checked again.
 */
public enum AppendOrigin {
  /**
   * A Produce request. A batch with a producer id must carry a base sequence, and its sequence is
   * checked against the producer's last batches: a retry is answered with the original offsets, a
   * gap is refused.
   */
  CLIENT,

  /**
   * The group coordinator ({@code __consumer_offsets}, transactional offsets for a client's
   * producer id and epoch) or the transaction coordinator ({@code __transaction_state}). A batch
   * written for a producer carries its epoch but none of its sequence numbers (Kafka's coordinators
   * write base sequence 0 every time), so only the epoch is checked.
   */
  COORDINATOR
}
