package dev.eventshop.support.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.testing.MiniBroker;
import dev.eventshop.support.testing.KafkaProbe;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The error handling every service gets, against a real broker: a failing record is retried with
 * backoff and then parked in {@code <topic>.DLT}, a poison record is parked at once, and neither
 * holds up the records behind it.
 */
@MiniBroker(partitions = 3)
@SpringBootTest(
    classes = DeadLetterErrorHandlingIT.TestService.class,
    properties = {
      "spring.application.name=error-handling-test",
      "spring.kafka.consumer.group-id=error-handling-test",
      "spring.kafka.consumer.auto-offset-reset=earliest",
      "spring.kafka.consumer.enable-auto-commit=false",
      "spring.kafka.listener.ack-mode=batch",
      "shop.kafka.topics=flaky",
      "shop.kafka.retry.attempts=2",
      "shop.kafka.retry.initial-interval=50ms",
      "shop.outbox.enabled=false"
    })
class DeadLetterErrorHandlingIT {

  /** A listener that fails as its records ask: "fail-N" fails N times, "always" always fails. */
  @SpringBootApplication
  static class TestService {

    @Component
    static class FlakyListener {
      final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

      @KafkaListener(topics = "flaky")
      void on(ConsumerRecord<String, String> record) {
        int attempt =
            attempts.computeIfAbsent(record.key(), k -> new AtomicInteger()).incrementAndGet();
        String value = record.value();
        if (value.startsWith("poison")) {
          throw new PoisonEventException("cannot read " + value);
        }
        if (value.equals("always")
            || (value.startsWith("fail-")
                && attempt <= Integer.parseInt(value.substring("fail-".length())))) {
          throw new IllegalStateException("attempt " + attempt + " of " + value + " failed");
        }
      }
    }
  }

  @Autowired TestService.FlakyListener listener;

  @Value("${spring.kafka.bootstrap-servers}")
  String bootstrapServers;

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
  void aTransientFailureIsRetriedUntilItSucceeds() {
    var sent = kafka.send("flaky", "transient", "fail-2");

    kafka.awaitConsumed("error-handling-test", sent);

    assertThat(listener.attempts.get("transient")).hasValue(3);
  }

  @Test
  void aPersistentFailureIsParkedAfterItsRetriesAndTheNextRecordIsProcessed() {
    var failing = kafka.send("flaky", "persistent", "always");
    var next = kafka.send("flaky", "persistent", "fine");

    ConsumerRecord<String, String> parked =
        kafka.awaitRecord("flaky.DLT", r -> "persistent".equals(r.key()));
    assertThat(parked.value()).isEqualTo("always");
    assertThat(parked.partition()).isEqualTo(failing.partition());
    assertThat(KafkaProbe.header(parked, "kafka_dlt-exception-message")).contains("failed");
    kafka.awaitConsumed("error-handling-test", next);
    assertThat(listener.attempts.get("persistent")).hasValue(1 + 2 + 1);
  }

  @Test
  void aPoisonRecordIsParkedWithoutRetries() {
    kafka.send("flaky", "poisoned", "poison!");

    kafka.awaitRecord("flaky.DLT", r -> "poisoned".equals(r.key()));
    await().untilAsserted(() -> assertThat(listener.attempts.get("poisoned")).hasValue(1));
  }
}
