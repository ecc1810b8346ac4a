package dev.eventshop.order.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code payments}: the order was charged; it becomes PAID. */
public record PaymentSuccessful(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId,
    @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal amount,
    UUID paymentId)
    implements Event {

  public static final String TYPE = "PaymentSuccessful";

  public PaymentSuccessful {
    Objects.requireNonNull(orderId, "orderId");
  }
}
