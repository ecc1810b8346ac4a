package dev.eventshop.support.outbox;

import dev.eventshop.support.kafka.Event;
import dev.eventshop.support.kafka.EventJson;
import dev.eventshop.support.kafka.RecordedEvent;
import dev.eventshop.support.kafka.RecordedEvent.Direction;
import dev.eventshop.support.tracing.LogContext;
import dev.eventshop.support.tracing.TraceContext;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Where a service puts the events it emits: a row in the {@code outbox} table, written in the
 * caller's database transaction, so the event exists if and only if the state change that caused it
 * committed. {@link OutboxRelay} publishes it afterwards. The event keeps the current trace, so the
 * consumer continues it.
 */
public final class Outbox {

  private final JdbcTemplate jdbc;
  private final Consumer<UUID> afterCommit;

  /**
   * @param afterCommit told each event's id once the transaction that added it committed (the
   *     relay)
   */
  public Outbox(JdbcTemplate jdbc, Consumer<UUID> afterCommit) {
    this.jdbc = jdbc;
    this.afterCommit = afterCommit;
  }

  /** Adds the event, to be published to {@code topic} keyed by its order id. */
  public void add(String topic, Event event) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalStateException(
          "Outbox.add must run inside the transaction of the state change it reports");
    }
    TraceContext trace = LogContext.currentTrace().orElseGet(TraceContext::newTrace).nextSpan();
    jdbc.update(
        """
        insert into outbox
          (event_id, event_type, topic, record_key, payload, trace_parent, occurred_at)
        values (?, ?, ?, ?, ?, ?, ?)""",
        event.eventId(),
        event.eventType(),
        topic,
        event.orderId().toString(),
        EventJson.write(event),
        trace.traceparent(),
        event.occurredAt().atOffset(ZoneOffset.UTC));
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            afterCommit.accept(event.eventId());
          }
        });
  }

  /** The events this service emitted for an order, oldest first. */
  public List<RecordedEvent> eventsOf(String orderId) {
    return jdbc.query(
        """
        select event_id, event_type, topic, kafka_partition, kafka_offset, occurred_at
        from outbox where record_key = ? order by id""",
        (row, i) -> RecordedEvent.fromRow(row, Direction.PUBLISHED),
        orderId);
  }
}
