package dev.eventshop.support.pruning;

import dev.eventshop.support.kafka.RecordedEvent;
import dev.eventshop.support.kafka.RecordedEvent.Direction;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Where pruned outbox and inbox rows leave their trace: the {@code event_history} table keeps, per
 * event, its direction, type, order, topic, partition and offset (not its payload), so an order's
 * timeline outlives the pruning. A service that keeps history adds {@code classpath:db/history} to
 * its Flyway locations.
 */
public final class EventHistory {

  private final JdbcTemplate jdbc;

  public EventHistory(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Copies the sent outbox rows and applied inbox rows older than {@code cutoff}. */
  void archiveOlderThan(OffsetDateTime cutoff, boolean outbox) {
    if (outbox) {
      jdbc.update(
          """
          insert into event_history (event_id, direction, event_type, order_id, topic,
            kafka_partition, kafka_offset, occurred_at)
          select event_id, 'PUBLISHED', event_type, record_key, topic, kafka_partition,
            kafka_offset, occurred_at
          from outbox where sent_at < ?""",
          cutoff);
    }
    jdbc.update(
        """
        insert into event_history (event_id, direction, event_type, order_id, topic,
          kafka_partition, kafka_offset, occurred_at)
        select event_id, 'CONSUMED', event_type, order_id, topic, kafka_partition, kafka_offset,
          occurred_at
        from inbox where processed_at < ?""",
        cutoff);
  }

  /** The pruned events of an order. */
  public List<RecordedEvent> eventsOf(String orderId) {
    return jdbc.query(
        """
        select direction, event_id, event_type, topic, kafka_partition, kafka_offset, occurred_at
        from event_history where order_id = ?""",
        (row, i) -> RecordedEvent.fromRow(row, Direction.valueOf(row.getString("direction"))),
        orderId);
  }
}
