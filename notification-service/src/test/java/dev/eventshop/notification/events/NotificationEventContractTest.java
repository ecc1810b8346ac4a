package dev.eventshop.notification.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.contracts.EventContracts;
import dev.eventshop.support.kafka.InboundEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The examples notification-service must read, from contracts/. */
class NotificationEventContractTest {

  @Test
  void readsTheOrderConfirmedExample() {
    OrderConfirmed confirmed = read("OrderConfirmed").as(OrderConfirmed.class);

    assertThat(confirmed.customerId()).isEqualTo("alice");
    assertThat(EventContracts.topicOf("OrderConfirmed", 1)).isEqualTo(Topics.ORDERS);
  }

  @Test
  void readsTheOrderCancelledExample() {
    OrderCancelled cancelled = read("OrderCancelled").as(OrderCancelled.class);

    assertThat(cancelled.customerId()).isEqualTo("bob");
    assertThat(cancelled.reason()).startsWith("insufficient funds");
    assertThat(EventContracts.topicOf("OrderCancelled", 1)).isEqualTo(Topics.ORDERS);
  }

  private static InboundEvent read(String type) {
    return InboundEvent.from(
        new ConsumerRecord<>("orders", 0, 0L, "key", EventContracts.example(type, 1)));
  }
}
