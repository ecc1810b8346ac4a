package dev.eventshop.payment.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.ids.TimeOrderedIds;
import dev.eventshop.support.kafka.Event;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Written to {@code payments}: the customer was charged; inventory-service reserves the stock. */
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

  public static PaymentSuccessful of(
      UUID orderId, String customerId, BigDecimal amount, UUID paymentId, List<Item> items) {
    return new PaymentSuccessful(
        TimeOrderedIds.next(),
        TYPE,
        1,
        orderId,
        Instant.now(),
        customerId,
        amount,
        paymentId,
        items);
  }
}
