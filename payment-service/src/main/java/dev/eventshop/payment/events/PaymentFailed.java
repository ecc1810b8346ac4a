package dev.eventshop.payment.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** Written to {@code payments}: the charge was declined; order-service cancels the order. */
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

  public static PaymentFailed of(
      UUID orderId, String customerId, BigDecimal amount, String reason) {
    return new PaymentFailed(
        TimeOrderedIds.next(), TYPE, 1, orderId, Instant.now(), customerId, amount, reason);
  }
}
