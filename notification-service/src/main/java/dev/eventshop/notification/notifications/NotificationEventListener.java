package dev.eventshop.notification.notifications;

import dev.eventshop.notification.events.OrderCancelled;
import dev.eventshop.notification.events.OrderConfirmed;
import dev.eventshop.notification.events.Topics;
import dev.eventshop.support.inbox.Inbox;
import dev.eventshop.support.kafka.InboundEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The events notification-service reacts to: the final outcome of each order, notified once
 * (through the inbox). OrderPlaced is not its business.
 */
@Component
class NotificationEventListener {

  private static final Logger log = LoggerFactory.getLogger(NotificationEventListener.class);

  private final Inbox inbox;
  private final Notifier notifier;

  NotificationEventListener(Inbox inbox, Notifier notifier) {
    this.inbox = inbox;
    this.notifier = notifier;
  }

  @KafkaListener(id = "notification-orders", idIsGroup = false, topics = Topics.ORDERS)
  void onOrderEvent(ConsumerRecord<String, String> record) {
    InboundEvent event = InboundEvent.from(record);
    switch (event.eventType()) {
      case OrderConfirmed.TYPE -> {
        OrderConfirmed confirmed = event.as(OrderConfirmed.class);
        inbox.processOnce(
            event,
            () ->
                notifier.send(Notification.confirmed(confirmed.orderId(), confirmed.customerId())));
      }
      case OrderCancelled.TYPE -> {
        OrderCancelled cancelled = event.as(OrderCancelled.class);
        inbox.processOnce(
            event,
            () ->
                notifier.send(
                    Notification.cancelled(
                        cancelled.orderId(), cancelled.customerId(), cancelled.reason())));
      }
      default -> log.debug("not for notification-service: {}", event.eventType());
    }
  }
}
