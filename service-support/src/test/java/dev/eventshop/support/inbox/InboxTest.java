package dev.eventshop.support.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.support.SupportDatabase;
import dev.eventshop.support.kafka.InboundEvent;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.OptimisticLockingFailureException;

class InboxTest {

  private static final String ORDER_ID = "b9a1f0c2-7e34-4d5a-9c61-0f2e8d7a6b43";

  private final SupportDatabase db = new SupportDatabase();
  private final Inbox inbox = new Inbox(db.jdbc(), db.transactions());
  private final AtomicInteger effects = new AtomicInteger();

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void redeliveredEventChangesNothing() {
    InboundEvent event = event("3f1c2d9e-5b7a-4c1e-8d2f-000000000000", 5);
    InboundEvent redelivered = event("3f1c2d9e-5b7a-4c1e-8d2f-000000000000", 9);

    assertThat(inbox.processOnce(event, effects::incrementAndGet)).isTrue();
    assertThat(inbox.processOnce(redelivered, effects::incrementAndGet)).isFalse();

    assertThat(effects).hasValue(1);
    assertThat(inbox.eventsOf(ORDER_ID))
        .singleElement()
        .satisfies(e -> assertThat(e.offset()).isEqualTo(5));
  }

  @Test
  void failedEffectLeavesNoTraceSoTheRetryAppliesIt() {
    InboundEvent event = event("3f1c2d9e-5b7a-4c1e-8d2f-000000000001", 5);

    assertThatThrownBy(
            () ->
                inbox.processOnce(
                    event,
                    () -> {
                      throw new IllegalStateException("database hiccup");
                    }))
        .hasMessage("database hiccup");
    assertThat(inbox.processOnce(event, effects::incrementAndGet)).isTrue();
    assertThat(effects).hasValue(1);
  }

  @Test
  void aTransactionThatLostAnOptimisticRaceRunsAgainAtOnce() {
    InboundEvent event = event("3f1c2d9e-5b7a-4c1e-8d2f-000000000002", 5);
    AtomicInteger tries = new AtomicInteger();

    boolean applied =
        inbox.processOnce(
            event,
            () -> {
              if (tries.incrementAndGet() < Inbox.ATTEMPTS) {
                throw new OptimisticLockingFailureException("row changed by another thread");
              }
            });

    assertThat(applied).isTrue();
    assertThat(tries).hasValue(Inbox.ATTEMPTS);
    assertThat(inbox.eventsOf(ORDER_ID)).singleElement();
  }

  @Test
  void anOptimisticRaceLostEveryTimeGoesToTheErrorHandlerAndLeavesNoTrace() {
    InboundEvent event = event("3f1c2d9e-5b7a-4c1e-8d2f-000000000003", 5);
    AtomicInteger tries = new AtomicInteger();

    assertThatThrownBy(
            () ->
                inbox.processOnce(
                    event,
                    () -> {
                      tries.incrementAndGet();
                      throw new OptimisticLockingFailureException("row changed by another thread");
                    }))
        .isInstanceOf(OptimisticLockingFailureException.class);
    assertThat(tries).hasValue(Inbox.ATTEMPTS);
    assertThat(inbox.eventsOf(ORDER_ID)).isEmpty();
  }

  private static InboundEvent event(String eventId, long offset) {
    String json =
        """
        {"eventId":"%s","eventType":"OrderPlaced","version":1,"orderId":"%s",
         "occurredAt":"2026-11-22T10:15:30.123Z"}"""
            .formatted(eventId, ORDER_ID);
    return InboundEvent.from(new ConsumerRecord<>("orders", 1, offset, ORDER_ID, json));
  }
}
