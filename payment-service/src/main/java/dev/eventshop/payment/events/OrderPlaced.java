package dev.eventshop.payment.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code orders}: a customer placed an order, and this service charges its total. */
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

  public OrderPlaced {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(customerId, "customerId");
    Objects.requireNonNull(total, "total");
    items = List.copyOf(Objects.requireNonNull(items, "items"));
  }
}
