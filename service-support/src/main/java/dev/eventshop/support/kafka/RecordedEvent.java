package dev.eventshop.support.kafka;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One event in a service's journal: published from its outbox or consumed through its inbox, and
 * where it sits in Kafka. Partition and offset are null for an event still waiting in the outbox.
 */
public record RecordedEvent(
    Direction direction,
    UUID eventId,
    String eventType,
    String topic,
    Integer partition,
    Long offset,
    Instant occurredAt) {

  /**
   * Reads a row with the columns event_id, event_type, topic, kafka_partition, kafka_offset and
   * occurred_at (the outbox, the inbox and the event history all have them).
   */
  public static RecordedEvent fromRow(ResultSet row, Direction direction) throws SQLException {
    return new RecordedEvent(
        direction,
        row.getObject("event_id", UUID.class),
        row.getString("event_type"),
        row.getString("topic"),
        row.getObject("kafka_partition", Integer.class),
        row.getObject("kafka_offset", Long.class),
        row.getObject("occurred_at", OffsetDateTime.class).toInstant());
  }

  /** Whether this service wrote or read the event. */
  public enum Direction {
    PUBLISHED,
    CONSUMED
  }
}
