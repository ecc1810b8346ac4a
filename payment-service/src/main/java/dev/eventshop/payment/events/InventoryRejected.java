package dev.eventshop.payment.events;

import dev.eventshop.support.kafka.Event;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code inventory}: the stock could not be reserved, so this service refunds. */
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
    Objects.requireNonNull(reason, "reason");
  }
}
