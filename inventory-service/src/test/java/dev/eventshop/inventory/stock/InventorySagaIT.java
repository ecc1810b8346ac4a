package dev.eventshop.inventory.stock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.contracts.EventContracts;
import dev.eventshop.support.testing.KafkaProbe;
import dev.eventshop.support.testing.ServiceWithBroker;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.jdbc.core.JdbcTemplate;

/** inventory-service's part of the saga, driven through a real broker. */
class InventorySagaIT extends ServiceWithBroker {

  @Autowired JdbcTemplate jdbc;
  KafkaProbe kafka;

  @BeforeEach
  void connect() {
    kafka = new KafkaProbe(bootstrapServers);
  }

  @AfterEach
  void disconnect() {
    kafka.close();
  }

  @Test
  void reservesEveryItemOfAPaidOrder() {
    int books = available("BOOK-KAFKA");
    int mugs = available("MUG-KAFKA");
    String orderId = UUID.randomUUID().toString();

    kafka.sendEvent(
        "payments",
        orderId,
        "PaymentSuccessful",
        paymentSuccessful(orderId, "{\"sku\":\"BOOK-KAFKA\",\"quantity\":2}", mugs(1)));

    ConsumerRecord<String, String> updated = awaitInventoryEvent(orderId, "InventoryUpdated");
    assertThat(EventContracts.violations("InventoryUpdated", 1, updated.value())).isEmpty();
    assertThat(available("BOOK-KAFKA")).isEqualTo(books - 2);
    assertThat(available("MUG-KAFKA")).isEqualTo(mugs - 1);
  }

  @Test
  void rejectsTheWholeOrderWhenOneItemIsOutOfStock() {
    int mugs = available("MUG-KAFKA");
    String orderId = UUID.randomUUID().toString();

    kafka.sendEvent(
        "payments",
        orderId,
        "PaymentSuccessful",
        paymentSuccessful(orderId, mugs(1), "{\"sku\":\"MUG-SOLDOUT\",\"quantity\":1}"));

    ConsumerRecord<String, String> rejected = awaitInventoryEvent(orderId, "InventoryRejected");
    assertThat(EventContracts.violations("InventoryRejected", 1, rejected.value())).isEmpty();
    assertThat(rejected.value()).contains("out of stock: MUG-SOLDOUT");
    assertThat(available("MUG-KAFKA")).as("nothing reserved").isEqualTo(mugs);
    assertThat(available("MUG-SOLDOUT")).isZero();
  }

  @Test
  void aRedeliveredPaymentReservesOnlyOnce() {
    int mugs = available("MUG-KAFKA");
    String orderId = UUID.randomUUID().toString();
    String event = paymentSuccessful(orderId, mugs(3));

    kafka.sendEvent("payments", orderId, "PaymentSuccessful", event);
    RecordMetadata duplicate = kafka.sendEvent("payments", orderId, "PaymentSuccessful", event);
    kafka.awaitConsumed("inventory-service", duplicate);

    assertThat(available("MUG-KAFKA")).isEqualTo(mugs - 3);
    assertThat(
            jdbc.queryForObject(
                "select count(*) from outbox where record_key = ?", Integer.class, orderId))
        .isEqualTo(1);
  }

  @Test
  void aPoisonRecordIsParkedAndTheNextRecordOnItsPartitionIsProcessed() {
    String orderId = UUID.randomUUID().toString();

    RecordMetadata poison =
        kafka.send("payments", orderId, "{\"eventType\":\"PaymentSuccessful\"}", "eventType", "?");
    kafka.sendEvent("payments", orderId, "PaymentSuccessful", paymentSuccessful(orderId, mugs(1)));

    ConsumerRecord<String, String> parked =
        kafka.awaitRecord("payments.DLT", r -> orderId.equals(r.key()));
    assertThat(parked.partition()).isEqualTo(poison.partition());
    awaitInventoryEvent(orderId, "InventoryUpdated");
  }

  @Test
  void showsTheStock() {
    List<Map<String, Object>> stock =
        http()
            .get()
            .uri("/stock")
            .retrieve()
            .body(new ParameterizedTypeReference<List<Map<String, Object>>>() {});

    assertThat(stock)
        .anySatisfy(
            item -> {
              assertThat(item).containsEntry("sku", "MUG-SOLDOUT");
              assertThat(item).containsEntry("available", 0);
            });
  }

  private ConsumerRecord<String, String> awaitInventoryEvent(String orderId, String eventType) {
    return kafka.awaitRecord(
        "inventory",
        r -> orderId.equals(r.key()) && eventType.equals(KafkaProbe.header(r, "eventType")));
  }

  private int available(String sku) {
    return jdbc.queryForObject(
        "select available from stock_items where sku = ?", Integer.class, sku);
  }

  private static String mugs(int quantity) {
    return "{\"sku\":\"MUG-KAFKA\",\"quantity\":%d}".formatted(quantity);
  }

  private static String paymentSuccessful(String orderId, String... items) {
    return """
        {"eventId":"%s","eventType":"PaymentSuccessful","version":1,"orderId":"%s",
         "occurredAt":"%s","customerId":"alice","amount":"10.00","paymentId":"%s",
         "items":[%s]}"""
        .formatted(
            UUID.randomUUID(), orderId, Instant.now(), UUID.randomUUID(), String.join(",", items));
  }
}
