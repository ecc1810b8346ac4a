package dev.eventshop.broker.transaction;

import dev.eventshop.broker.server.BrokerConfig;
import dev.eventshop.broker.server.BrokerProperty;

/**
 * The transaction coordinator's settings, under Kafka's broker property names.
 *
 * @param stateTopicPartitions {@code transaction.state.log.num.partitions}: a transactional id's
 *     coordinator is the leader of partition {@code abs(id.hashCode()) % stateTopicPartitions}
 * @param maxTimeoutMs {@code transaction.max.timeout.ms}: the longest timeout a producer may ask
 *     for
 * @param abortTimedOutIntervalMs {@code
 *     transaction.abort.timed.out.transaction.cleanup.interval.ms}
 * @param idExpirationMs {@code transactional.id.expiration.ms}
 * @param idExpirationIntervalMs {@code transaction.remove.expired.transaction.cleanup.interval.ms}
 */
public record TransactionConfig(
    int stateTopicPartitions,
    int maxTimeoutMs,
    long abortTimedOutIntervalMs,
    long idExpirationMs,
    long idExpirationIntervalMs) {

  public static TransactionConfig from(BrokerConfig config) {
    return new TransactionConfig(
        config.getInt(BrokerProperty.TRANSACTION_STATE_LOG_NUM_PARTITIONS),
        config.getInt(BrokerProperty.TRANSACTION_MAX_TIMEOUT_MS),
        config.getLong(BrokerProperty.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS),
        config.getLong(BrokerProperty.TRANSACTIONAL_ID_EXPIRATION_MS),
        config.getLong(BrokerProperty.TRANSACTION_REMOVE_EXPIRED_TRANSACTION_CLEANUP_INTERVAL_MS));
  }
}
