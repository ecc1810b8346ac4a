package dev.eventshop.inventory.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.contracts.EventContracts;
import dev.eventshop.support.kafka.Event;
import dev.eventshop.support.kafka.EventJson;
import dev.eventshop.support.kafka.InboundEvent;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The JSON inventory-service writes, and the example it must read, against contracts/. */
class InventoryEventContractTest {

  private static final UUID ORDER = UUID.randomUUID();
  private static final List<Item> ITEMS = List.of(new Item("BOOK-KAFKA", 2));

  @Test
  void writtenEventsFulfilTheirContracts() {
    for (Event event :
        List.<Event>of(
            InventoryUpdated.of(ORDER, ITEMS),
            InventoryRejected.of(ORDER, ITEMS, "out of stock: BOOK-KAFKA"))) {
      String json = EventJson.write(event);
      assertThat(EventContracts.violations(event.eventType(), 1, json))
          .as("%s: %s", event.eventType(), json)
          .isEmpty();
      assertThat(EventContracts.topicOf(event.eventType(), 1)).isEqualTo(Topics.INVENTORY);
    }
  }

  @Test
  void readsThePaymentSuccessfulExample() {
    PaymentSuccessful paid =
        InboundEvent.from(
                new ConsumerRecord<>(
                    "payments", 0, 0L, "key", EventContracts.example("PaymentSuccessful", 1)))
            .as(PaymentSuccessful.class);

    assertThat(paid.items()).containsExactly(new Item("BOOK-KAFKA", 1));
    assertThat(paid.amount()).isEqualByComparingTo("39.90");
    assertThat(EventContracts.topicOf("PaymentSuccessful", 1)).isEqualTo(Topics.PAYMENTS);
  }
}
