package dev.eventshop.inventory.events;

import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Written to {@code inventory}: not every item could be reserved, so nothing was; payment-service
 * refunds the order.
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

  public static InventoryRejected of(UUID orderId, List<Item> items, String reason) {
    return new InventoryRejected(
        TimeOrderedIds.next(), TYPE, 1, orderId, Instant.now(), items, reason);
  }
}
