package dev.eventshop.broker.transaction;

/**
 * The states of a transactional id, with the ids Kafka stores in {@code __transaction_state} and
 * the names DescribeTransactions and ListTransactions show.
 *
 * <p>A producer's transactions cycle EMPTY → ONGOING (partitions added) → PREPARE_COMMIT or
 * PREPARE_ABORT (EndTxn, or the coordinator aborting a timed-out transaction) → COMPLETE_COMMIT or
 * COMPLETE_ABORT (every partition has its marker) → ONGOING again with the next partitions added.
 */
public enum TransactionState {
  EMPTY(0, "Empty"),
  ONGOING(1, "Ongoing"),
  PREPARE_COMMIT(2, "PrepareCommit"),
  PREPARE_ABORT(3, "PrepareAbort"),
  COMPLETE_COMMIT(4, "CompleteCommit"),
  COMPLETE_ABORT(5, "CompleteAbort"),
  DEAD(6, "Dead"),
  PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

  private final byte id;
  private final String displayName;

  TransactionState(int id, String displayName) {
    this.id = (byte) id;
    this.displayName = displayName;
  }

  public byte id() {
    return id;
  }

  public String displayName() {
    return displayName;
  }

  public static TransactionState of(byte id) {
    for (TransactionState state : values()) {
      if (state.id == id) {
        return state;
      }
    }
    throw new IllegalArgumentException("unknown transaction state " + id);
  }

  /** The state Kafka's tools call {@code displayName}, if any. */
  public static java.util.Optional<TransactionState> byDisplayName(String displayName) {
    for (TransactionState state : values()) {
      if (state.displayName.equals(displayName)) {
        return java.util.Optional.of(state);
      }
    }
    return java.util.Optional.empty();
  }

  /** PREPARE_COMMIT, PREPARE_ABORT or PREPARE_EPOCH_FENCE: markers are being written. */
  boolean isPreparing() {
    return this == PREPARE_COMMIT || this == PREPARE_ABORT || this == PREPARE_EPOCH_FENCE;
  }

  /** No transaction open: a new one may begin. */
  boolean isIdle() {
    return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
  }
}
