package dev.eventshop.order.orders;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.eventshop.support.kafka.RecordedEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** What the order endpoints answer with. Money is an exact decimal string ("39.90"). */
final class OrderViews {

  private OrderViews() {}

  record LineView(
      String sku,
      int quantity,
      @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal unitPrice) {}

  /** One event of an order's saga, and where it sits in Kafka. */
  record TimelineEntry(
      Instant occurredAt,
      String eventType,
      String direction,
      String topic,
      Integer partition,
      Long offset) {

    static TimelineEntry of(RecordedEvent event) {
      return new TimelineEntry(
          event.occurredAt(),
          event.eventType(),
          event.direction().name().toLowerCase(java.util.Locale.ROOT),
          event.topic(),
          event.partition(),
          event.offset());
    }
  }

  record OrderDetails(
      UUID id,
      String customerId,
      OrderStatus status,
      String reason,
      @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal total,
      List<LineView> items,
      Instant createdAt,
      Instant updatedAt,
      List<TimelineEntry> timeline) {}

  record OrderSummary(
      UUID id,
      String customerId,
      OrderStatus status,
      String reason,
      @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal total,
      Instant createdAt,
      Instant updatedAt) {

    static OrderSummary of(Order order) {
      return new OrderSummary(
          order.getId(),
          order.getCustomerId(),
          order.getStatus(),
          order.getReason(),
          order.getTotal(),
          order.getCreatedAt(),
          order.getUpdatedAt());
    }
  }

  record OrderPage(
      List<OrderSummary> content, int page, int size, long totalElements, int totalPages) {}
}
