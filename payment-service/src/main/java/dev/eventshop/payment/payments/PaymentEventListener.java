package dev.eventshop.payment.payments;

import dev.eventshop.payment.events.InventoryRejected;
import dev.eventshop.payment.events.OrderPlaced;
import dev.eventshop.payment.events.Topics;
import dev.eventshop.support.inbox.Inbox;
import dev.eventshop.support.kafka.InboundEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The events payment-service reacts to. Each is parsed into this service's own record (a malformed
 * one is poison and goes to the dead-letter topic) and applied once through the inbox; other event
 * types on the same topics are not this service's business.
 */
@Component
class PaymentEventListener {

  private static final Logger log = LoggerFactory.getLogger(PaymentEventListener.class);

  private final Inbox inbox;
  private final Cashier cashier;

  PaymentEventListener(Inbox inbox, Cashier cashier) {
    this.inbox = inbox;
    this.cashier = cashier;
  }

  @KafkaListener(id = "payment-orders", idIsGroup = false, topics = Topics.ORDERS)
  void onOrderEvent(ConsumerRecord<String, String> record) {
    InboundEvent event = InboundEvent.from(record);
    switch (event.eventType()) {
      case OrderPlaced.TYPE -> {
        OrderPlaced placed = event.as(OrderPlaced.class);
        inbox.processOnce(event, () -> cashier.charge(placed));
      }
      default -> log.debug("not for payment-service: {}", event.eventType());
    }
  }

  @KafkaListener(id = "payment-inventory", idIsGroup = false, topics = Topics.INVENTORY)
  void onInventoryEvent(ConsumerRecord<String, String> record) {
    InboundEvent event = InboundEvent.from(record);
    switch (event.eventType()) {
      case InventoryRejected.TYPE -> {
        InventoryRejected rejected = event.as(InventoryRejected.class);
        inbox.processOnce(event, () -> cashier.refund(rejected));
      }
      default -> log.debug("not for payment-service: {}", event.eventType());
    }
  }
}
