package dev.eventshop.order.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.contracts.EventContracts;
import dev.eventshop.support.kafka.Event;
import dev.eventshop.support.kafka.EventJson;
import dev.eventshop.support.kafka.InboundEvent;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The JSON order-service writes, and the examples it must read, against contracts/. */
class OrderEventContractTest {

  private static final UUID ORDER = UUID.randomUUID();

  @Test
  void writtenEventsFulfilTheirContracts() {
    for (Event event :
        List.<Event>of(
            OrderPlaced.of(
                ORDER, "alice", List.of(new Item("BOOK-KAFKA", 2)), new BigDecimal("79.80")),
            OrderConfirmed.of(ORDER, "alice"),
            OrderCancelled.of(ORDER, "bob", "insufficient funds: balance 0.00, amount 2.50"))) {
      String json = EventJson.write(event);
      assertThat(EventContracts.violations(event.eventType(), 1, json))
          .as("%s: %s", event.eventType(), json)
          .isEmpty();
      assertThat(EventContracts.topicOf(event.eventType(), 1)).isEqualTo(Topics.ORDERS);
    }
  }

  @Test
  void readsEveryPaymentAndInventoryExample() {
    assertThat(read("PaymentSuccessful").as(PaymentSuccessful.class).amount())
        .isEqualByComparingTo("39.90");
    assertThat(read("PaymentFailed").as(PaymentFailed.class).reason())
        .startsWith("insufficient funds");
    assertThat(read("PaymentRefunded").as(PaymentRefunded.class).reason())
        .isEqualTo("out of stock: MUG-SOLDOUT");
    assertThat(read("InventoryUpdated").as(InventoryUpdated.class).items())
        .containsExactly(new Item("BOOK-KAFKA", 1));
    assertThat(read("InventoryRejected").as(InventoryRejected.class).reason())
        .isEqualTo("out of stock: MUG-SOLDOUT");
    assertThat(EventContracts.topicOf("PaymentFailed", 1)).isEqualTo(Topics.PAYMENTS);
    assertThat(EventContracts.topicOf("InventoryUpdated", 1)).isEqualTo(Topics.INVENTORY);
  }

  private static InboundEvent read(String type) {
    return InboundEvent.from(
        new ConsumerRecord<>("any", 0, 0L, "key", EventContracts.example(type, 1)));
  }
}
