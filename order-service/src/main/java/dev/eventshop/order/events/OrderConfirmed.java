package dev.eventshop.order.events;

import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.UUID;

/** Written to {@code orders}: payment and stock succeeded; the order is final. */
public record OrderConfirmed(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId)
    implements Event {

  public static final String TYPE = "OrderConfirmed";

  public static OrderConfirmed of(UUID orderId, String customerId) {
    return new OrderConfirmed(TimeOrderedIds.next(), TYPE, 1, orderId, Instant.now(), customerId);
  }
}
