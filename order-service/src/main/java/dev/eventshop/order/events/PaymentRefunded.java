package dev.eventshop.order.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** Read from {@code payments}: the charge was given back; the order is cancelled. */
public record PaymentRefunded(
    UUID eventId,
    String eventType,
    int version,
    UUID orderId,
    Instant occurredAt,
    String customerId,
    @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal amount,
    UUID paymentId,
    String reason)
    implements Event {

  public static final String TYPE = "PaymentRefunded";

  public PaymentRefunded {
    Objects.requireNonNull(orderId, "orderId");
    Objects.requireNonNull(reason, "reason");
  }
}
