package dev.eventshop.notification.events;

import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code orders}: the order is confirmed; the customer hears about it. */
public record OrderConfirmed(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId)
    implements Event {

  public static final String TYPE = "OrderConfirmed";

  public OrderConfirmed {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(customerId, "customerId");
  }
}
