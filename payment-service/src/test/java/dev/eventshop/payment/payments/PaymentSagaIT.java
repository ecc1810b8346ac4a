package dev.eventshop.payment.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventshop.contracts.EventContracts;
import dev.eventshop.support.testing.KafkaProbe;
import dev.eventshop.support.testing.ServiceWithBroker;
import dev.eventshop.support.tracing.TraceContext;
import java.math.BigDecimal;
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

/** payment-service's part of the saga, driven through a real broker. */
class PaymentSagaIT extends ServiceWithBroker {

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
  void chargesTheCustomerAndEmitsPaymentSuccessfulInTheSameTrace() {
    BigDecimal before = balance("alice");
    String orderId = UUID.randomUUID().toString();
    TraceContext trace = TraceContext.newTrace();

    kafka.send(
        "orders",
        orderId,
        orderPlaced(orderId, "alice", "39.90"),
        "eventType",
        "OrderPlaced",
        "traceparent",
        trace.traceparent());

    ConsumerRecord<String, String> paid = awaitPaymentEvent(orderId, "PaymentSuccessful");
    assertThat(EventContracts.violations("PaymentSuccessful", 1, paid.value())).isEmpty();
    assertThat(paid.value()).contains("\"amount\":\"39.90\"", "\"sku\":\"BOOK-KAFKA\"");
    assertThat(TraceContext.parse(KafkaProbe.header(paid, "traceparent")))
        .hasValueSatisfying(t -> assertThat(t.traceId()).isEqualTo(trace.traceId()));
    assertThat(balance("alice")).isEqualByComparingTo(before.subtract(new BigDecimal("39.90")));
  }

  @Test
  void declinesACustomerWhoCannotPay() {
    String orderId = UUID.randomUUID().toString();

    kafka.sendEvent("orders", orderId, "OrderPlaced", orderPlaced(orderId, "bob", "2.50"));

    ConsumerRecord<String, String> failed = awaitPaymentEvent(orderId, "PaymentFailed");
    assertThat(EventContracts.violations("PaymentFailed", 1, failed.value())).isEmpty();
    assertThat(failed.value()).contains("insufficient funds");
    assertThat(balance("bob")).isEqualByComparingTo("0.00");
  }

  @Test
  void aRedeliveredOrderPlacedChargesOnlyOnce() {
    BigDecimal before = balance("carol");
    String orderId = UUID.randomUUID().toString();
    String event = orderPlaced(orderId, "carol", "12.50");

    kafka.sendEvent("orders", orderId, "OrderPlaced", event);
    RecordMetadata duplicate = kafka.sendEvent("orders", orderId, "OrderPlaced", event);
    kafka.awaitConsumed("payment-service", duplicate);

    assertThat(balance("carol")).isEqualByComparingTo(before.subtract(new BigDecimal("12.50")));
    assertThat(
            jdbc.queryForObject(
                "select count(*) from outbox where record_key = ?", Integer.class, orderId))
        .isEqualTo(1);
  }

  @Test
  void refundsTheChargeWhenInventoryRejectsTheOrder() {
    BigDecimal before = balance("alice");
    String orderId = UUID.randomUUID().toString();
    kafka.sendEvent("orders", orderId, "OrderPlaced", orderPlaced(orderId, "alice", "9.90"));
    awaitPaymentEvent(orderId, "PaymentSuccessful");

    kafka.sendEvent(
        "inventory",
        orderId,
        "InventoryRejected",
        """
        {"eventId":"%s","eventType":"InventoryRejected","version":1,"orderId":"%s",
         "occurredAt":"%s","items":[{"sku":"MUG-SOLDOUT","quantity":1}],
         "reason":"out of stock: MUG-SOLDOUT"}"""
            .formatted(UUID.randomUUID(), orderId, Instant.now()));

    ConsumerRecord<String, String> refunded = awaitPaymentEvent(orderId, "PaymentRefunded");
    assertThat(EventContracts.violations("PaymentRefunded", 1, refunded.value())).isEmpty();
    assertThat(refunded.value()).contains("\"amount\":\"9.90\"", "out of stock: MUG-SOLDOUT");
    await()
        .atMost(KafkaProbe.TIMEOUT)
        .untilAsserted(() -> assertThat(balance("alice")).isEqualByComparingTo(before));
  }

  @Test
  void aPoisonRecordIsParkedAndTheNextRecordOnItsPartitionIsProcessed() {
    String orderId = UUID.randomUUID().toString();

    RecordMetadata poison = kafka.send("orders", orderId, "this is not JSON", "eventType", "?");
    RecordMetadata next =
        kafka.sendEvent("orders", orderId, "OrderPlaced", orderPlaced(orderId, "alice", "2.50"));

    assertThat(next.partition()).isEqualTo(poison.partition());
    ConsumerRecord<String, String> parked =
        kafka.awaitRecord("orders.DLT", r -> orderId.equals(r.key()));
    assertThat(parked.value()).isEqualTo("this is not JSON");
    assertThat(parked.partition()).isEqualTo(poison.partition());
    assertThat(KafkaProbe.header(parked, "kafka_dlt-exception-message")).contains("not JSON");
    awaitPaymentEvent(orderId, "PaymentSuccessful");
  }

  @Test
  void showsACustomersBalanceAndPayments() {
    String orderId = UUID.randomUUID().toString();
    kafka.sendEvent("orders", orderId, "OrderPlaced", orderPlaced(orderId, "carol", "2.50"));
    awaitPaymentEvent(orderId, "PaymentSuccessful");

    Map<String, Object> carol =
        http()
            .get()
            .uri("/customers/carol")
            .retrieve()
            .body(new ParameterizedTypeReference<Map<String, Object>>() {});

    assertThat(carol.get("balance")).isEqualTo(balance("carol").toPlainString());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> payments = (List<Map<String, Object>>) carol.get("payments");
    assertThat(payments)
        .anySatisfy(
            p -> {
              assertThat(p.get("orderId")).isEqualTo(orderId);
              assertThat(p.get("amount")).isEqualTo("2.50");
              assertThat(p.get("status")).isEqualTo("CHARGED");
            });
    int notFound =
        http()
            .get()
            .uri("/customers/nobody")
            .exchange((request, response) -> response.getStatusCode().value());
    assertThat(notFound).isEqualTo(404);
  }

  private ConsumerRecord<String, String> awaitPaymentEvent(String orderId, String eventType) {
    return kafka.awaitRecord(
        "payments",
        r -> orderId.equals(r.key()) && eventType.equals(KafkaProbe.header(r, "eventType")));
  }

  private BigDecimal balance(String customer) {
    return jdbc.queryForObject(
        "select balance from customers where id = ?", BigDecimal.class, customer);
  }

  private static String orderPlaced(String orderId, String customer, String total) {
    return """
        {"eventId":"%s","eventType":"OrderPlaced","version":1,"orderId":"%s",
         "occurredAt":"%s","customerId":"%s","items":[{"sku":"BOOK-KAFKA","quantity":1}],
         "total":"%s"}"""
        .formatted(UUID.randomUUID(), orderId, Instant.now(), customer, total);
  }
}
