package dev.eventshop.order.events;

import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.UUID;

/** Written to {@code orders}: the order could not complete; any charge was refunded. */
public record OrderCancelled(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId,
    String reason)
    implements Event {

  public static final String TYPE = "OrderCancelled";

  public static OrderCancelled of(UUID orderId, String customerId, String reason) {
    return new OrderCancelled(
        TimeOrderedIds.next(), TYPE, 1, orderId, Instant.now(), customerId, reason);
  }
}
