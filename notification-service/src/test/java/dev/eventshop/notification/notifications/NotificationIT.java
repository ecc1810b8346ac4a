package dev.eventshop.notification.notifications;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.springframework.core.ParameterizedTypeReference;

/** notification-service's part of the saga, driven through a real broker. */
class NotificationIT extends ServiceWithBroker {

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
  void aConfirmedOrderIsNotifiedOnce() {
    String orderId = UUID.randomUUID().toString();
    String confirmed = orderEvent("OrderConfirmed", orderId, "alice", null);

    kafka.sendEvent("orders", orderId, "OrderConfirmed", confirmed);
    RecordMetadata duplicate = kafka.sendEvent("orders", orderId, "OrderConfirmed", confirmed);
    kafka.awaitConsumed("notification-service", duplicate);

    List<Map<String, Object>> sent = notificationsOf(orderId);
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0)).containsEntry("kind", "ORDER_CONFIRMED");
    assertThat((String) sent.get(0).get("message")).contains("alice", orderId, "confirmed");
  }

  @Test
  void aCancelledOrderIsNotifiedWithTheReason() {
    String orderId = UUID.randomUUID().toString();

    kafka.sendEvent(
        "orders",
        orderId,
        "OrderCancelled",
        orderEvent("OrderCancelled", orderId, "bob", "insufficient funds: balance 0.00"));

    await()
        .atMost(KafkaProbe.TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(notificationsOf(orderId))
                    .singleElement()
                    .satisfies(
                        n -> {
                          assertThat(n).containsEntry("kind", "ORDER_CANCELLED");
                          assertThat((String) n.get("message")).contains("insufficient funds");
                        }));
  }

  @Test
  void aPlacedOrderIsNoNewsAndAPoisonRecordIsParked() {
    String orderId = UUID.randomUUID().toString();

    RecordMetadata poison = kafka.send("orders", orderId, "<xml>not an event</xml>");
    RecordMetadata placed =
        kafka.sendEvent(
            "orders",
            orderId,
            "OrderPlaced",
            "{\"eventId\":\"%s\",\"eventType\":\"OrderPlaced\",\"version\":1,\"orderId\":\"%s\",\"occurredAt\":\"%s\"}"
                .formatted(UUID.randomUUID(), orderId, Instant.now()));

    ConsumerRecord<String, String> parked =
        kafka.awaitRecord("orders.DLT", r -> orderId.equals(r.key()));
    assertThat(parked.partition()).isEqualTo(poison.partition());
    kafka.awaitConsumed("notification-service", placed);
    assertThat(notificationsOf(orderId)).isEmpty();
  }

  private List<Map<String, Object>> notificationsOf(String orderId) {
    return http()
        .get()
        .uri("/notifications?orderId={id}", orderId)
        .retrieve()
        .body(new ParameterizedTypeReference<List<Map<String, Object>>>() {});
  }

  private static String orderEvent(String type, String orderId, String customer, String reason) {
    return "{\"eventId\":\"%s\",\"eventType\":\"%s\",\"version\":1,\"orderId\":\"%s\",\"occurredAt\":\"%s\",\"customerId\":\"%s\"%s}"
        .formatted(
            UUID.randomUUID(),
            type,
            orderId,
            Instant.now(),
            customer,
            reason == null ? "" : ",\"reason\":\"" + reason + "\"");
  }
}
