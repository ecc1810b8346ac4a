package dev.eventshop.notification.events;

import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code orders}: the order is cancelled; the customer hears why. */
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

  public OrderCancelled {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(reason, "reason");
  }
}
