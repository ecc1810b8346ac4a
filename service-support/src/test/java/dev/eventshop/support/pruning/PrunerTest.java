package dev.eventshop.support.pruning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.support.SupportDatabase;
import dev.eventshop.support.inbox.Inbox;
import dev.eventshop.support.kafka.RecordedEvent;
import dev.eventshop.support.outbox.Outbox;
import dev.eventshop.support.pruning.Pruner.Pruned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

class PrunerTest {

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final Duration RETENTION = Duration.ofDays(7);
  private static final String ORDER = "b9a1f0c2-7e34-4d5a-9c61-0f2e8d7a6b43";

  private final SupportDatabase db = new SupportDatabase();
  private final Outbox outbox = new Outbox(db.jdbc(), eventId -> {});
  private final Inbox inbox = new Inbox(db.jdbc(), db.transactions());
  private final EventHistory history = new EventHistory(db.jdbc());

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void deletesSentOutboxRowsAndInboxRowsOlderThanTheRetentionButNeverUnsentOnes() {
    publishedAt("OrderPlaced", NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofDays(8)));
    publishedAt("OrderConfirmed", NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(1)));
    publishedAt("OrderCancelled", NOW.minus(Duration.ofDays(30)), null); // never sent
    consumedAt("PaymentSuccessful", NOW.minus(Duration.ofDays(8)));
    consumedAt("InventoryUpdated", NOW.minus(Duration.ofDays(6)));

    Pruned pruned = pruner(true, null).pruneOnce();

    assertThat(pruned).isEqualTo(new Pruned(1, 1));
    assertThat(types(outbox.eventsOf(ORDER))).containsExactly("OrderConfirmed", "OrderCancelled");
    assertThat(types(inbox.eventsOf(ORDER))).containsExactly("InventoryUpdated");
    assertThat(pruner(true, null).pruneOnce()).isEqualTo(new Pruned(0, 0));
  }

  @Test
  void withHistoryTheTimelineOfAnOrderIsTheSameAfterPruning() {
    new ResourceDatabasePopulator(new ClassPathResource("db/history/V1_1__event_history.sql"))
        .execute(db.jdbc().getDataSource());
    publishedAt("OrderPlaced", NOW.minus(Duration.ofDays(9)), NOW.minus(Duration.ofDays(9)));
    consumedAt("PaymentSuccessful", NOW.minus(Duration.ofDays(9)));
    consumedAt("InventoryUpdated", NOW.minus(Duration.ofDays(8)));
    publishedAt("OrderConfirmed", NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(1)));
    List<RecordedEvent> before = timeline();

    assertThat(pruner(true, history).pruneOnce()).isEqualTo(new Pruned(1, 2));

    assertThat(history.eventsOf(ORDER)).hasSize(3);
    assertThat(timeline()).containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void aServiceWithoutOutboxPrunesOnlyItsInbox() {
    publishedAt("OrderPlaced", NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofDays(8)));
    consumedAt("OrderConfirmed", NOW.minus(Duration.ofDays(8)));

    assertThat(pruner(false, null).pruneOnce()).isEqualTo(new Pruned(0, 1));
    assertThat(outbox.eventsOf(ORDER)).hasSize(1);
  }

  private Pruner pruner(boolean hasOutbox, EventHistory keep) {
    return new Pruner(
        db.jdbc(),
        db.transactions(),
        new PruningProperties(true, RETENTION, Duration.ofHours(1), keep != null),
        hasOutbox,
        keep,
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private List<RecordedEvent> timeline() {
    List<RecordedEvent> all = new ArrayList<>(history.eventsOf(ORDER));
    all.addAll(outbox.eventsOf(ORDER));
    all.addAll(inbox.eventsOf(ORDER));
    return all;
  }

  private void publishedAt(String type, Instant occurred, Instant sent) {
    db.jdbc()
        .update(
            """
            insert into outbox (event_id, event_type, topic, record_key, payload, trace_parent,
              occurred_at, sent_at, kafka_partition, kafka_offset)
            values (?, ?, 'orders', ?, '{}', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
              ?, ?, ?, ?)""",
            UUID.randomUUID(),
            type,
            ORDER,
            occurred.atOffset(ZoneOffset.UTC),
            sent == null ? null : sent.atOffset(ZoneOffset.UTC),
            sent == null ? null : 1,
            sent == null ? null : 42L);
  }

  private void consumedAt(String type, Instant processed) {
    db.jdbc()
        .update(
            """
            insert into inbox (event_id, event_type, order_id, topic, kafka_partition,
              kafka_offset, occurred_at, processed_at)
            values (?, ?, ?, 'payments', 2, 7, ?, ?)""",
            UUID.randomUUID(),
            type,
            ORDER,
            processed.atOffset(ZoneOffset.UTC),
            processed.atOffset(ZoneOffset.UTC));
  }

  private static List<String> types(List<RecordedEvent> events) {
    return events.stream().map(RecordedEvent::eventType).toList();
  }
}
