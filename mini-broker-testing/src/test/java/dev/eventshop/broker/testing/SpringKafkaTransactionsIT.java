package dev.eventshop.broker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * spring-kafka's transactions against mini-broker, configured as a Spring Boot user would: {@code
 * spring.kafka.producer.transaction-id-prefix} makes every KafkaTemplate send transactional and the
 * listener container run each delivery in a transaction that also commits the consumed offsets
 * (consume-process-produce, exactly once). A listener that fails after its send has that send
 * aborted: read_committed consumers see each output once, read_uncommitted ones see the aborted
 * attempt too.
 */
@MiniBroker(partitions = 1)
@SpringBootTest(
    classes = SpringKafkaTransactionsIT.Shouter.class,
    properties = {
      "spring.kafka.producer.transaction-id-prefix=shouter-",
      "spring.kafka.consumer.group-id=shouter",
      "spring.kafka.consumer.auto-offset-reset=earliest",
      "spring.kafka.consumer.isolation-level=read_committed",
      "spring.kafka.consumer.enable-auto-commit=false"
    })
class SpringKafkaTransactionsIT {

  /** Reads "words", writes each upper-cased to "shouts"; "fail-once" fails its first delivery. */
  @SpringBootApplication
  static class Shouter {

    @Component
    static class Listener {
      final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
      final KafkaTemplate<Object, Object> template;

      Listener(KafkaTemplate<Object, Object> template) {
        this.template = template;
      }

      @KafkaListener(topics = "words")
      void on(ConsumerRecord<String, String> record) throws Exception {
        // Waiting for the acknowledgement puts the record in the log before the listener fails,
        // so the abort has something to hide.
        template
            .send("shouts", record.key(), record.value().toUpperCase())
            .get(30, TimeUnit.SECONDS);
        int attempt =
            attempts.computeIfAbsent(record.value(), v -> new AtomicInteger()).incrementAndGet();
        if (record.value().equals("fail-once") && attempt == 1) {
          throw new IllegalStateException("the first delivery of fail-once fails after its send");
        }
      }
    }
  }

  @Autowired KafkaTemplate<Object, Object> template;

  @Value("${spring.kafka.bootstrap-servers}")
  String bootstrapServers;

  @Test
  void consumeProcessProduceWritesEachOutputOnceForReadCommittedConsumers() throws Exception {
    template.executeInTransaction(
        t -> {
          t.send("words", "1", "hello");
          t.send("words", "2", "fail-once");
          t.send("words", "3", "world");
          return null;
        });

    List<String> committed = read("read_committed", 3);
    assertThat(committed).containsExactly("HELLO", "FAIL-ONCE", "WORLD");
    // The failed delivery's send is in the log, aborted: only read_uncommitted shows it.
    assertThat(read("read_uncommitted", 4))
        .containsExactly("HELLO", "FAIL-ONCE", "FAIL-ONCE", "WORLD");

    // The offsets were committed in the listener's transactions, with its outputs.
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets("shouter")
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      // Past the third record (each record's transaction commits the offset after it).
      assertThat(offsets.get(new TopicPartition("words", 0)).offset()).isEqualTo(3);
    }
  }

  private List<String> read(String isolation, int expected) {
    TopicPartition tp = new TopicPartition("shouts", 0);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", bootstrapServers, "isolation.level", isolation),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (values.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
      consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(r.value()));
    }
    return values;
  }
}
