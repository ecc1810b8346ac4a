package dev.eventshop.order.orders;

import static dev.eventshop.order.orders.OrderHttp.item;
import static dev.eventshop.order.orders.OrderHttp.order;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventshop.contracts.EventContracts;
import dev.eventshop.support.testing.KafkaProbe;
import dev.eventshop.support.testing.ServiceWithBroker;
import dev.eventshop.support.tracing.TraceContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * order-service's part of the saga: orders placed over REST, the other services played by the test
 * through a real broker.
 */
class OrderSagaIT extends ServiceWithBroker {

  @Autowired JdbcTemplate jdbc;
  @Autowired OrderRepository repository;
  @Autowired PlatformTransactionManager transactionManager;
  KafkaProbe kafka;
  OrderHttp orders;

  @BeforeEach
  void connect() {
    kafka = new KafkaProbe(bootstrapServers);
    orders = new OrderHttp(http());
  }

  @AfterEach
  void disconnect() {
    kafka.close();
  }

  @Test
  void aPaidAndReservedOrderIsConfirmedWithItsWholeTimeline() {
    var placed =
        orders.placeOrder(order("alice", item("BOOK-KAFKA", 2), item("MUG-KAFKA", 1)), null);

    assertThat(placed.status()).isEqualTo(202);
    String id = placed.body().get("id").asString();
    assertThat(placed.headers().getLocation()).hasToString("/orders/" + id);
    assertThat(placed.body().get("status").asString()).isEqualTo("PENDING");
    assertThat(placed.body().get("total").asString())
        .as("money as exact decimal")
        .isEqualTo("92.30");
    ConsumerRecord<String, String> orderPlaced = awaitOrderEvent(id, "OrderPlaced");
    assertThat(EventContracts.violations("OrderPlaced", 1, orderPlaced.value())).isEmpty();
    assertThat(orderPlaced.value()).contains("\"total\":\"92.30\"", "\"customerId\":\"alice\"");

    kafka.sendEvent("payments", id, "PaymentSuccessful", paymentSuccessful(id));
    awaitStatus(id, "PAID");
    kafka.sendEvent("inventory", id, "InventoryUpdated", inventoryUpdated(id));
    awaitStatus(id, "CONFIRMED");

    ConsumerRecord<String, String> confirmed = awaitOrderEvent(id, "OrderConfirmed");
    assertThat(EventContracts.violations("OrderConfirmed", 1, confirmed.value())).isEmpty();
    await()
        .atMost(KafkaProbe.TIMEOUT)
        .untilAsserted(
            () -> {
              JsonNode timeline = orders.order(id).get("timeline");
              assertThat(eventTypes(timeline))
                  .containsExactly(
                      "OrderPlaced", "PaymentSuccessful", "InventoryUpdated", "OrderConfirmed");
              for (JsonNode entry : timeline) {
                assertThat(entry.get("partition").isInt()).as("partition of %s", entry).isTrue();
                assertThat(entry.get("offset").isNumber()).as("offset of %s", entry).isTrue();
              }
            });
    JsonNode first = orders.order(id).get("timeline").get(0);
    assertThat(first.get("topic").asString()).isEqualTo("orders");
    assertThat(first.get("partition").asInt()).isEqualTo(orderPlaced.partition());
    assertThat(first.get("offset").asLong()).isEqualTo(orderPlaced.offset());
    assertThat(first.get("direction").asString()).isEqualTo("published");
  }

  @Test
  void theCallersTraceTravelsWithOrderPlaced() {
    TraceContext caller = TraceContext.newTrace();

    var placed =
        http()
            .post()
            .uri("/orders")
            .contentType(MediaType.APPLICATION_JSON)
            .header("traceparent", caller.traceparent())
            .body(order("alice", item("STICKER-PACK", 1)))
            .retrieve()
            .toEntity(String.class);

    assertThat(TraceContext.parse(placed.getHeaders().getFirst("traceparent")))
        .hasValueSatisfying(t -> assertThat(t.traceId()).isEqualTo(caller.traceId()));
    String id = placed.getHeaders().getLocation().getPath().substring("/orders/".length());
    ConsumerRecord<String, String> orderPlaced = awaitOrderEvent(id, "OrderPlaced");
    assertThat(TraceContext.parse(KafkaProbe.header(orderPlaced, "traceparent")))
        .hasValueSatisfying(t -> assertThat(t.traceId()).isEqualTo(caller.traceId()));
  }

  @Test
  void aDeclinedPaymentCancelsTheOrderWithTheReason() {
    String id =
        orders.placeOrder(order("bob", item("STICKER-PACK", 1)), null).body().get("id").asString();

    kafka.sendEvent("payments", id, "PaymentFailed", paymentFailed(id));

    awaitStatus(id, "CANCELLED");
    assertThat(orders.order(id).get("reason").asString()).startsWith("insufficient funds");
    ConsumerRecord<String, String> cancelled = awaitOrderEvent(id, "OrderCancelled");
    assertThat(EventContracts.violations("OrderCancelled", 1, cancelled.value())).isEmpty();
    assertThat(cancelled.value()).contains("insufficient funds");
  }

  @Test
  void aRefundAfterRejectedStockCancelsThePaidOrder() {
    String id =
        orders.placeOrder(order("alice", item("MUG-SOLDOUT", 1)), null).body().get("id").asString();
    kafka.sendEvent("payments", id, "PaymentSuccessful", paymentSuccessful(id));
    awaitStatus(id, "PAID");

    kafka.sendEvent("inventory", id, "InventoryRejected", inventoryRejected(id));
    kafka.sendEvent("payments", id, "PaymentRefunded", paymentRefunded(id));

    awaitStatus(id, "CANCELLED");
    assertThat(orders.order(id).get("reason").asString()).isEqualTo("out of stock: MUG-SOLDOUT");
    awaitOrderEvent(id, "OrderCancelled");
    await()
        .atMost(KafkaProbe.TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(eventTypes(orders.order(id).get("timeline")))
                    .contains("InventoryRejected", "PaymentRefunded", "OrderCancelled"));
  }

  @Test
  void theLaterOfTwoConcurrentTransitionsFailsInsteadOfOverwritingTheEarlier() throws Exception {
    UUID id =
        UUID.fromString(
            orders
                .placeOrder(order("alice", item("MUG-KAFKA", 1)), null)
                .body()
                .get("id")
                .asString());
    var transactions = new TransactionTemplate(transactionManager);
    var read = new CountDownLatch(1);
    var otherCommitted = new CountDownLatch(1);

    // The payments listener's transaction reads the PENDING order...
    CompletableFuture<Void> paid =
        CompletableFuture.runAsync(
            () ->
                transactions.executeWithoutResult(
                    status -> {
                      Order order = repository.findById(id).orElseThrow();
                      read.countDown();
                      awaitLatch(otherCommitted);
                      assertThat(order.markPaid()).isTrue();
                    }));
    // ...the inventory listener's confirms it and commits first...
    assertThat(read.await(30, TimeUnit.SECONDS)).isTrue();
    transactions.executeWithoutResult(
        status -> assertThat(repository.findById(id).orElseThrow().confirm()).isTrue());
    otherCommitted.countDown();

    // ...so the payment's commit fails (the Inbox runs it again) instead of undoing CONFIRMED.
    assertThatThrownBy(() -> paid.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(OptimisticLockingFailureException.class);
    assertThat(repository.findById(id).orElseThrow().getStatus()).isEqualTo(OrderStatus.CONFIRMED);
  }

  @Test
  void paymentAndStockEventsOfOneOrderAppliedAtOnceLoseNeitherTransition() {
    // The payments and the inventory listener run on two threads. Sent from two threads at once,
    // both events of an order are often applied at the same moment; whichever commits second must
    // not undo the first (an order marked PAID after it was CONFIRMED would stay PAID for good).
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(
          orders
              .placeOrder(order("alice", item("MUG-KAFKA", 1)), null)
              .body()
              .get("id")
              .asString());
    }
    CompletableFuture<Void> stock =
        CompletableFuture.runAsync(
            () ->
                ids.forEach(
                    id ->
                        kafka.sendEvent(
                            "inventory", id, "InventoryUpdated", inventoryUpdated(id))));
    ids.forEach(id -> kafka.sendEvent("payments", id, "PaymentSuccessful", paymentSuccessful(id)));
    stock.join();

    for (String id : ids) {
      awaitStatus(id, "CONFIRMED");
      await()
          .atMost(KafkaProbe.TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(eventTypes(orders.order(id).get("timeline")))
                      .contains("PaymentSuccessful", "InventoryUpdated", "OrderConfirmed"));
    }
  }

  @Test
  void aRedeliveredEventCancelsOnlyOnce() {
    String id =
        orders.placeOrder(order("bob", item("MUG-KAFKA", 1)), null).body().get("id").asString();
    String event = paymentFailed(id);

    kafka.sendEvent("payments", id, "PaymentFailed", event);
    RecordMetadata duplicate = kafka.sendEvent("payments", id, "PaymentFailed", event);
    kafka.awaitConsumed("order-service", duplicate);

    assertThat(
            jdbc.queryForObject(
                "select count(*) from outbox where record_key = ? and event_type = 'OrderCancelled'",
                Integer.class,
                id))
        .isEqualTo(1);
    assertThat(eventTypes(orders.order(id).get("timeline"))).containsOnlyOnce("PaymentFailed");
  }

  @Test
  void aPoisonRecordIsParkedAndTheNextRecordOnItsPartitionIsProcessed() {
    String id =
        orders.placeOrder(order("alice", item("MUG-KAFKA", 1)), null).body().get("id").asString();

    RecordMetadata poison =
        kafka.send("payments", id, "{\"eventType\":\"PaymentSuccessful\",\"version\":\"one\"}");
    kafka.sendEvent("payments", id, "PaymentSuccessful", paymentSuccessful(id));

    ConsumerRecord<String, String> parked =
        kafka.awaitRecord("payments.DLT", r -> id.equals(r.key()));
    assertThat(parked.partition()).isEqualTo(poison.partition());
    awaitStatus(id, "PAID");
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitStatus(String id, String status) {
    await()
        .atMost(KafkaProbe.TIMEOUT)
        .until(() -> orders.order(id).get("status").asString(), status::equals);
  }

  private ConsumerRecord<String, String> awaitOrderEvent(String orderId, String eventType) {
    return kafka.awaitRecord(
        "orders",
        r -> orderId.equals(r.key()) && eventType.equals(KafkaProbe.header(r, "eventType")));
  }

  private static List<String> eventTypes(JsonNode timeline) {
    List<String> types = new ArrayList<>();
    timeline.forEach(entry -> types.add(entry.get("eventType").asString()));
    return types;
  }

  private static String envelope(String type, String orderId) {
    return """
        "eventId":"%s","eventType":"%s","version":1,"orderId":"%s","occurredAt":"%s"\
        """
        .formatted(UUID.randomUUID(), type, orderId, Instant.now());
  }

  private static String paymentSuccessful(String orderId) {
    return "{%s,\"customerId\":\"alice\",\"amount\":\"12.50\",\"paymentId\":\"%s\",\"items\":[%s]}"
        .formatted(envelope("PaymentSuccessful", orderId), UUID.randomUUID(), item("MUG-KAFKA", 1));
  }

  private static String paymentFailed(String orderId) {
    return "{%s,\"customerId\":\"bob\",\"amount\":\"12.50\",\"reason\":\"%s\"}"
        .formatted(envelope("PaymentFailed", orderId), "insufficient funds: balance 0.00");
  }

  private static String paymentRefunded(String orderId) {
    return ("{%s,\"customerId\":\"alice\",\"amount\":\"9.90\",\"paymentId\":\"%s\","
            + "\"reason\":\"out of stock: MUG-SOLDOUT\"}")
        .formatted(envelope("PaymentRefunded", orderId), UUID.randomUUID());
  }

  private static String inventoryUpdated(String orderId) {
    return "{%s,\"items\":[%s]}"
        .formatted(envelope("InventoryUpdated", orderId), item("MUG-KAFKA", 1));
  }

  private static String inventoryRejected(String orderId) {
    return "{%s,\"items\":[%s],\"reason\":\"out of stock: MUG-SOLDOUT\"}"
        .formatted(envelope("InventoryRejected", orderId), item("MUG-SOLDOUT", 1));
  }
}
