package dev.eventshop.support.kafka;

import java.time.Instant;
import java.util.UUID;

/**
 * The envelope every shop event carries (see {@code contracts/}): each service's event records
 * implement this, so the outbox can key, label and trace them without knowing their type.
 */
public interface Event {

  /** Unique id of this event; consumers use it to ignore redeliveries. */
  UUID eventId();

  /** The contract name, for example {@code OrderPlaced}. */
  String eventType();

  /** The contract version. */
  int version();

  /** The order the event belongs to; also the record key, so one order's events stay in order. */
  UUID orderId();

  /** When the event happened. */
  Instant occurredAt();
}
