package dev.eventshop.support.inbox;

import dev.eventshop.support.kafka.InboundEvent;
import dev.eventshop.support.kafka.RecordedEvent;
import dev.eventshop.support.kafka.RecordedEvent.Direction;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies each consumed event at most once. Kafka delivers at least once (a consumer that dies
 * before committing its offset reads the record again, and the outbox relay may publish an event
 * twice), so the id of every applied event is stored in the {@code inbox} table in the same
 * database transaction as the event's effect, before the effect runs. A redelivered event's insert
 * meets its id there, and the event changes nothing. The listener returns only after that
 * transaction committed, and only then is the offset committed (ack mode BATCH: once the listener
 * returned for every record of a poll): a crash in between means a redelivery, never a loss.
 */
public final class Inbox {

  private static final Logger log = LoggerFactory.getLogger(Inbox.class);

  /**
   * How often a transaction that lost an optimistic-locking race is run, the first time included.
   */
  static final int ATTEMPTS = 3;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transactions;

  public Inbox(JdbcTemplate jdbc, TransactionTemplate transactions) {
    this.jdbc = jdbc;
    this.transactions = transactions;
  }

  /**
   * Runs {@code effect} and records the event in one transaction, unless the event was applied
   * before. A transaction that lost an optimistic-locking race (another thread changed a versioned
   * row it read, and committed first) is run again at once, up to {@value #ATTEMPTS} times in all:
   * the retry reads the other thread's change. After that the failure goes to the listener's error
   * handler like any other.
   *
   * @return true if the effect ran, false for a redelivery
   */
  public boolean processOnce(InboundEvent event, Runnable effect) {
    for (int attempt = 1; ; attempt++) {
      try {
        return applyOnce(event, effect);
      } catch (OptimisticLockingFailureException raced) {
        if (attempt == ATTEMPTS || TransactionSynchronizationManager.isActualTransactionActive()) {
          throw raced;
        }
        log.info(
            "{} {} from {} met a concurrent change of the same row; applying it again",
            event.eventType(),
            event.eventId(),
            event.position());
      }
    }
  }

  private boolean applyOnce(InboundEvent event, Runnable effect) {
    Boolean applied =
        transactions.execute(
            status -> {
              try {
                jdbc.update(
                    """
                    insert into inbox (event_id, event_type, order_id, topic, kafka_partition,
                      kafka_offset, occurred_at, processed_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?)""",
                    event.eventId(),
                    event.eventType(),
                    event.orderId(),
                    event.topic(),
                    event.partition(),
                    event.offset(),
                    event.occurredAt().atOffset(ZoneOffset.UTC),
                    Instant.now().atOffset(ZoneOffset.UTC));
              } catch (DuplicateKeyException alreadyApplied) {
                // The event's id is the inbox's key: a redelivery. H2 undoes only the failed
                // statement, and nothing else was done in this transaction yet.
                return false;
              }
              effect.run();
              return true;
            });
    if (!Boolean.TRUE.equals(applied)) {
      log.info(
          "skipped {} {} from {}: already processed",
          event.eventType(),
          event.eventId(),
          event.position());
      return false;
    }
    return true;
  }

  /** The events this service consumed for an order, in the order it applied them. */
  public List<RecordedEvent> eventsOf(String orderId) {
    return jdbc.query(
        """
        select event_id, event_type, topic, kafka_partition, kafka_offset, occurred_at
        from inbox where order_id = ? order by processed_at""",
        (row, i) -> RecordedEvent.fromRow(row, Direction.CONSUMED),
        orderId);
  }
}
