package dev.eventshop.support.kafka;

import java.time.Instant;
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

  /** Whether this service wrote or read the event. */
  public enum Direction {
    PUBLISHED,
    CONSUMED
  }
}
