package dev.eventshop.support.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class InboundEventTest {

  private static final String ORDER_ID = "b9a1f0c2-7e34-4d5a-9c61-0f2e8d7a6b43";
  private static final String EVENT =
      """
      {"eventId":"3f1c2d9e-5b7a-4c1e-8d2f-000000000000","eventType":"OrderPlaced","version":1,
       "orderId":"%s","occurredAt":"2026-11-22T10:15:30.123Z","total":"39.90","extra":true}"""
          .formatted(ORDER_ID);

  record Placed(UUID orderId, String total) {}

  @Test
  void readsTheEnvelopeAndWhereTheRecordCameFrom() {
    InboundEvent event = InboundEvent.from(new ConsumerRecord<>("orders", 2, 17L, ORDER_ID, EVENT));

    assertThat(event.eventType()).isEqualTo("OrderPlaced");
    assertThat(event.version()).isEqualTo(1);
    assertThat(event.orderId()).isEqualTo(ORDER_ID);
    assertThat(event.occurredAt()).isEqualTo(Instant.parse("2026-11-22T10:15:30.123Z"));
    assertThat(event.position()).isEqualTo("orders-2@17");
    assertThat(event.as(Placed.class)).isEqualTo(new Placed(UUID.fromString(ORDER_ID), "39.90"));
  }

  @Test
  void textThatIsNotJsonIsPoison() {
    assertThatThrownBy(() -> InboundEvent.from(record("{not json")))
        .isInstanceOf(PoisonEventException.class)
        .hasMessageContaining("not JSON");
  }

  @Test
  void missingEnvelopeFieldIsPoison() {
    assertThatThrownBy(() -> InboundEvent.from(record("{\"eventType\":\"OrderPlaced\"}")))
        .isInstanceOf(PoisonEventException.class)
        .hasMessageContaining("version");
  }

  @Test
  void headerThatContradictsThePayloadIsPoison() {
    var record = record(EVENT);
    record
        .headers()
        .add(EventHeaders.EVENT_TYPE, "OrderConfirmed".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> InboundEvent.from(record)).isInstanceOf(PoisonEventException.class);
  }

  @Test
  void unknownVersionIsPoisonRatherThanAGuess() {
    InboundEvent event = InboundEvent.from(record(EVENT.replace("\"version\":1", "\"version\":2")));

    assertThatThrownBy(() -> event.as(Placed.class))
        .isInstanceOf(PoisonEventException.class)
        .hasMessageContaining("unsupported version 2");
  }

  private static ConsumerRecord<String, String> record(String value) {
    return new ConsumerRecord<>("orders", 0, 0L, ORDER_ID, value);
  }
}
