package dev.eventshop.order.events;

import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Read from {@code inventory}: the stock could not be reserved. The order waits for the refund
 * (PaymentRefunded) before it is cancelled, so that CANCELLED always means "no money taken".
 */
public record InventoryRejected(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    List<Item> items,
    String reason)
    implements Event {

  public static final String TYPE = "InventoryRejected";

  public InventoryRejected {
    Objects.requireNonNull(orderId, "orderId");
  }
}
