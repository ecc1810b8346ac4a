package dev.eventshop.broker.transaction;

import org.apache.kafka.common.protocol.Errors;

/** What the transaction handlers share. */
public final class TransactionApis {

  private TransactionApis() {}

  /**
   * PRODUCER_FENCED exists from a version of each API on (KIP-588); older clients are told
   * INVALID_PRODUCER_EPOCH, which they also treat as fatal.
   */
  public static Errors forVersion(Errors error, short version, short producerFencedSince) {
    return error == Errors.PRODUCER_FENCED && version < producerFencedSince
        ? Errors.INVALID_PRODUCER_EPOCH
        : error;
  }
}
