package dev.eventshop.order.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code payments}: the charge was declined; the order is cancelled. */
public record PaymentFailed(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId,
    @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal amount,
    String reason)
    implements Event {

  public static final String TYPE = "PaymentFailed";

  public PaymentFailed {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(reason, "reason");
  }
}
