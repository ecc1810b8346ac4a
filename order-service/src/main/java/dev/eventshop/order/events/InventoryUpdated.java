package dev.eventshop.order.events;

import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code inventory}: the stock was reserved; the order is confirmed. */
public record InventoryUpdated(
    UUID eventId, String eventType, int version, UUID orderId, Instant occurredAt, List<Item> items)
    implements Event {

  public static final String TYPE = "InventoryUpdated";

  public InventoryUpdated {
    Objects.requireNonNull(orderId, "orderId");
  }
}
