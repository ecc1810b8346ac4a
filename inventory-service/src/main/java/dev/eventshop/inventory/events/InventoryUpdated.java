package dev.eventshop.inventory.events;

import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Written to {@code inventory}: every item of the order was reserved; the order is confirmed. */
public record InventoryUpdated(
    UUID eventId, String eventType, int version, UUID orderId, Instant occurredAt, List<Item> items)
    implements Event {

  public static final String TYPE = "InventoryUpdated";

  public static InventoryUpdated of(UUID orderId, List<Item> items) {
    return new InventoryUpdated(TimeOrderedIds.next(), TYPE, 1, orderId, Instant.now(), items);
  }
}
