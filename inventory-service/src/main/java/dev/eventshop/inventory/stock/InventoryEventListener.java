package dev.eventshop.inventory.stock;

import dev.eventshop.inventory.events.PaymentSuccessful;
import dev.eventshop.inventory.events.Topics;
import dev.eventshop.support.inbox.Inbox;
import dev.eventshop.support.kafka.InboundEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The events inventory-service reacts to: a successful payment reserves the order's stock, once
 * (through the inbox). Failed and refunded payments are not its business.
 */
@Component
class InventoryEventListener {

  private static final Logger log = LoggerFactory.getLogger(InventoryEventListener.class);

  private final Inbox inbox;
  private final Storekeeper storekeeper;

  InventoryEventListener(Inbox inbox, Storekeeper storekeeper) {
    this.inbox = inbox;
    this.storekeeper = storekeeper;
  }

  @KafkaListener(id = "inventory-payments", idIsGroup = false, topics = Topics.PAYMENTS)
  void onPaymentEvent(ConsumerRecord<String, String> record) {
    InboundEvent event = InboundEvent.from(record);
    switch (event.eventType()) {
      case PaymentSuccessful.TYPE -> {
        PaymentSuccessful paid = event.as(PaymentSuccessful.class);
        inbox.processOnce(event, () -> storekeeper.reserve(paid));
      }
      default -> log.debug("not for inventory-service: {}", event.eventType());
    }
  }
}
