package dev.eventshop.inventory.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code payments}: the order is paid, so this service reserves its items. */
public record PaymentSuccessful(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId,
    @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal amount,
    UUID paymentId,
    List<Item> items)
    implements Event {

  public static final String TYPE = "PaymentSuccessful";

  public PaymentSuccessful {
    Objects.requireNonNull(orderId, "orderId");
    items = List.copyOf(Objects.requireNonNull(items, "items"));
    if (items.isEmpty()) {
      throw new IllegalArgumentException("items is empty");
    }
  }
}
