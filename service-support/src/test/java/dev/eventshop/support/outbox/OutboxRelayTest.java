package dev.eventshop.support.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.support.SupportDatabase;
import dev.eventshop.support.kafka.Event;
import dev.eventshop.support.kafka.RecordedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;

class OutboxRelayTest {

  record Placed(UUID eventId, String eventType, int version, UUID orderId, Instant occurredAt)
      implements Event {}

  private final SupportDatabase db = new SupportDatabase();
  private final MockProducer<String, String> producer = new KeptOpenProducer();
  private final OutboxRelay relay =
      new OutboxRelay(
          db.jdbc(),
          db.transactions(),
          new KafkaTemplate<>(() -> producer),
          db.groupCommit(),
          new OutboxProperties(Duration.ofMillis(100), 2, Duration.ofSeconds(5)));
  private final Outbox outbox = new Outbox(db.jdbc(), relay::committed);

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void publishesInOrderKeyedByOrderWithHeadersAndMarksSent() throws Exception {
    UUID orderId = UUID.randomUUID();
    Placed first = placed(orderId);
    Placed second = placed(orderId);
    db.transactions().executeWithoutResult(tx -> outbox.add("orders", first));
    db.transactions().executeWithoutResult(tx -> outbox.add("orders", second));

    assertThat(relay.publishBatch()).isEqualTo(2);

    assertThat(producer.history())
        .extracting(r -> r.key(), r -> r.topic())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(orderId.toString(), "orders"),
            org.assertj.core.groups.Tuple.tuple(orderId.toString(), "orders"));
    var record = producer.history().get(0);
    assertThat(record.value()).contains(first.eventId().toString());
    assertThat(header(record, "eventType")).isEqualTo("Placed");
    assertThat(header(record, "traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(outbox.eventsOf(orderId.toString()))
        .extracting(RecordedEvent::eventId, RecordedEvent::offset)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(first.eventId(), 0L),
            org.assertj.core.groups.Tuple.tuple(second.eventId(), 1L));
    assertThat(relay.publishBatch()).as("nothing left to send").isZero();
  }

  @Test
  void sendsAtMostOneBatchPerRound() throws Exception {
    UUID orderId = UUID.randomUUID();
    db.transactions()
        .executeWithoutResult(
            tx -> {
              for (int i = 0; i < 3; i++) {
                outbox.add("orders", placed(orderId));
              }
            });

    assertThat(relay.publishBatch()).isEqualTo(2);
    assertThat(relay.publishBatch()).isEqualTo(1);
    assertThat(producer.history()).hasSize(3);
  }

  @Test
  void anEventWrittenInARolledBackTransactionIsNeverPublished() throws Exception {
    UUID orderId = UUID.randomUUID();
    db.transactions()
        .executeWithoutResult(
            tx -> {
              outbox.add("orders", placed(orderId));
              tx.setRollbackOnly();
            });

    assertThat(relay.publishBatch()).isZero();
    assertThat(outbox.eventsOf(orderId.toString())).isEmpty();
  }

  @Test
  void anEventTheBrokerDidNotTakeStaysUnsentAndIsPublishedInTheNextRound() throws Exception {
    UUID orderId = UUID.randomUUID();
    db.transactions().executeWithoutResult(tx -> outbox.add("orders", placed(orderId)));

    producer.sendException = new org.apache.kafka.common.errors.TimeoutException("broker away");
    assertThat(relay.publishBatch()).isZero();
    assertThat(outbox.eventsOf(orderId.toString()))
        .singleElement()
        .satisfies(e -> assertThat(e.offset()).isNull());

    producer.sendException = null;
    assertThat(relay.publishBatch()).isEqualTo(1);
    assertThat(outbox.eventsOf(orderId.toString()))
        .singleElement()
        .satisfies(e -> assertThat(e.offset()).isNotNull());
  }

  @Test
  void refusesToWriteOutsideATransaction() {
    assertThatThrownBy(() -> outbox.add("orders", placed(UUID.randomUUID())))
        .isInstanceOf(IllegalStateException.class);
  }

  private static Placed placed(UUID orderId) {
    return new Placed(UUID.randomUUID(), "Placed", 1, orderId, Instant.now());
  }

  private static String header(
      org.apache.kafka.clients.producer.ProducerRecord<String, String> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  /** KafkaTemplate closes a producer from a plain factory after each send; keep it usable. */
  private static final class KeptOpenProducer extends MockProducer<String, String> {
    KeptOpenProducer() {
      super(true, null, new StringSerializer(), new StringSerializer());
    }

    @Override
    public void close(Duration timeout) {}
  }
}
