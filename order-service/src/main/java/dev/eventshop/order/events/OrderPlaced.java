package dev.eventshop.order.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Written to {@code orders}: a customer placed an order; payment-service charges its total. */
public record OrderPlaced(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId,
    List<Item> items,
    @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal total)
    implements Event {

  public static final String TYPE = "OrderPlaced";

  public static OrderPlaced of(
      UUID orderId, String customerId, List<Item> items, BigDecimal total) {
    return new OrderPlaced(
        TimeOrderedIds.next(), TYPE, 1, orderId, Instant.now(), customerId, items, total);
  }
}
