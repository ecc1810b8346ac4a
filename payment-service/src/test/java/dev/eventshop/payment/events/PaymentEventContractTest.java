package dev.eventshop.payment.events;

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

/** The JSON payment-service writes, and the examples it must read, against contracts/. */
class PaymentEventContractTest {

  private static final UUID ORDER = UUID.randomUUID();
  private static final List<Item> ITEMS = List.of(new Item("BOOK-KAFKA", 2));

  @Test
  void writtenEventsFulfilTheirContracts() {
    BigDecimal amount = new BigDecimal("79.80");
    UUID paymentId = UUID.randomUUID();
    for (Event event :
        List.<Event>of(
            PaymentSuccessful.of(ORDER, "alice", amount, paymentId, ITEMS),
            PaymentFailed.of(ORDER, "bob", amount, "insufficient funds: balance 0.00"),
            PaymentRefunded.of(ORDER, "alice", amount, paymentId, "out of stock: MUG-SOLDOUT"))) {
      String json = EventJson.write(event);
      assertThat(EventContracts.violations(event.eventType(), 1, json))
          .as("%s: %s", event.eventType(), json)
          .isEmpty();
      assertThat(EventContracts.topicOf(event.eventType(), 1)).isEqualTo(Topics.PAYMENTS);
    }
  }

  @Test
  void readsTheOrderPlacedExample() {
    OrderPlaced placed = read("OrderPlaced").as(OrderPlaced.class);

    assertThat(placed.customerId()).isEqualTo("alice");
    assertThat(placed.total()).isEqualByComparingTo("39.90");
    assertThat(placed.items()).containsExactly(new Item("BOOK-KAFKA", 1));
    assertThat(EventContracts.topicOf("OrderPlaced", 1)).isEqualTo(Topics.ORDERS);
  }

  @Test
  void readsTheInventoryRejectedExample() {
    InventoryRejected rejected = read("InventoryRejected").as(InventoryRejected.class);

    assertThat(rejected.reason()).isEqualTo("out of stock: MUG-SOLDOUT");
    assertThat(rejected.orderId()).isEqualTo(UUID.fromString(rejected.orderId().toString()));
    assertThat(EventContracts.topicOf("InventoryRejected", 1)).isEqualTo(Topics.INVENTORY);
  }

  private static InboundEvent read(String type) {
    return InboundEvent.from(
        new ConsumerRecord<>("any", 0, 0L, "key", EventContracts.example(type, 1)));
  }
}
