package dev.eventshop.order.orders;

import dev.eventshop.order.events.InventoryRejected;
import dev.eventshop.order.events.InventoryUpdated;
import dev.eventshop.order.events.PaymentFailed;
import dev.eventshop.order.events.PaymentRefunded;
import dev.eventshop.order.events.PaymentSuccessful;
import dev.eventshop.order.events.Topics;
import dev.eventshop.support.inbox.Inbox;
import dev.eventshop.support.kafka.InboundEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The events order-service follows: every payment and inventory event of its orders. Each is
 * applied once through the inbox, which also makes it part of the order's timeline.
 */
@Component
class OrderEventListener {

  private static final Logger log = LoggerFactory.getLogger(OrderEventListener.class);

  private final Inbox inbox;
  private final OrderSaga saga;

  OrderEventListener(Inbox inbox, OrderSaga saga) {
    this.inbox = inbox;
    this.saga = saga;
  }

  @KafkaListener(id = "order-payments", idIsGroup = false, topics = Topics.PAYMENTS)
  void onPaymentEvent(ConsumerRecord<String, String> record) {
    InboundEvent event = InboundEvent.from(record);
    switch (event.eventType()) {
      case PaymentSuccessful.TYPE -> {
        PaymentSuccessful paid = event.as(PaymentSuccessful.class);
        inbox.processOnce(event, () -> saga.paid(paid.orderId()));
      }
      case PaymentFailed.TYPE -> {
        PaymentFailed failed = event.as(PaymentFailed.class);
        inbox.processOnce(event, () -> saga.cancelled(failed.orderId(), failed.reason()));
      }
      case PaymentRefunded.TYPE -> {
        PaymentRefunded refunded = event.as(PaymentRefunded.class);
        inbox.processOnce(event, () -> saga.cancelled(refunded.orderId(), refunded.reason()));
      }
      default -> log.warn("unknown event type on {}: {}", record.topic(), event.eventType());
    }
  }

  @KafkaListener(id = "order-inventory", idIsGroup = false, topics = Topics.INVENTORY)
  void onInventoryEvent(ConsumerRecord<String, String> record) {
    InboundEvent event = InboundEvent.from(record);
    switch (event.eventType()) {
      case InventoryUpdated.TYPE -> {
        InventoryUpdated updated = event.as(InventoryUpdated.class);
        inbox.processOnce(event, () -> saga.stockReserved(updated.orderId()));
      }
      case InventoryRejected.TYPE -> {
        // Recorded for the timeline only: the order is cancelled once the refund is through.
        event.as(InventoryRejected.class);
        inbox.processOnce(event, () -> {});
      }
      default -> log.warn("unknown event type on {}: {}", record.topic(), event.eventType());
    }
  }
}
