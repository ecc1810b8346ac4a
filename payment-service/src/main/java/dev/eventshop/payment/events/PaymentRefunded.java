package dev.eventshop.payment.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** Written to {@code payments}: a charge was given back; order-service cancels the order. */
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

  public static PaymentRefunded of(
      UUID orderId, String customerId, BigDecimal amount, UUID paymentId, String reason) {
    return new PaymentRefunded(
        TimeOrderedIds.next(),
        TYPE,
        1,
        orderId,
        Instant.now(),
        customerId,
        amount,
        paymentId,
        reason);
  }
}
