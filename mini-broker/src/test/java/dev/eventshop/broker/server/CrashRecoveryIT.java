package dev.eventshop.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker process killed with SIGKILL while a producer writes: after restart every acknowledged
 * record is there exactly once and in order (the OS page cache survives a process crash; the flush
 * policy is Kafka's: leave fsync to the OS).
 */
class CrashRecoveryIT {

  @TempDir Path dir;

  @Test
  void everyAcknowledgedRecordSurvivesKill9MidWrite() throws Exception {
    String config =
        "node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs="
            + dir.resolve("logs")
            + "\nlog.segment.bytes=65536\n";
    BrokerProcess broker = BrokerProcess.start(dir, config);
    ConcurrentHashMap<Long, String> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean keepSending = new AtomicBoolean(true);
    int port = broker.port();
    Thread sender;
    try (KafkaProducer<String, String> producer = producer(broker.bootstrapServers())) {
      sender =
          new Thread(
              () -> {
                for (int i = 0; i < 200_000 && keepSending.get(); i++) {
                  String value = "value-" + i;
                  producer.send(
                      new ProducerRecord<>("crash", 0, "k", value),
                      (metadata, error) -> {
                        if (error == null) {
                          acknowledged.put(metadata.offset(), value);
                        }
                      });
                }
              });
      sender.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (acknowledged.size() < 5_000 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      broker.kill();
      keepSending.set(false);
      sender.join(30_000);
      producer.close(Duration.ofSeconds(1));
    } finally {
      broker.close();
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(5_000);

    try (BrokerProcess restarted =
        BrokerProcess.start(dir, config.replace("127.0.0.1:0", "127.0.0.1:" + port))) {
      List<ConsumerRecord<String, String>> records =
          readAll(restarted.bootstrapServers(), new TopicPartition("crash", 0));
      long maxAcked = acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertThat(records.size()).isGreaterThan((int) maxAcked);
      for (int i = 0; i < records.size(); i++) {
        assertThat(records.get(i).offset()).isEqualTo(i);
        String expected = acknowledged.get((long) i);
        if (expected != null) {
          assertThat(records.get(i).value()).isEqualTo(expected);
        }
      }
      // In order, no duplicates: values are strictly increasing.
      for (int i = 1; i < records.size(); i++) {
        assertThat(number(records.get(i).value()))
            .isGreaterThan(number(records.get(i - 1).value()));
      }
    }
  }

  private static int number(String value) {
    return Integer.parseInt(value.substring("value-".length()));
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("acks", "all");
    props.put("linger.ms", "2");
    props.put("delivery.timeout.ms", "5000");
    props.put("request.timeout.ms", "2000");
    props.put("max.block.ms", "2000");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  private static List<ConsumerRecord<String, String>> readAll(String bootstrap, TopicPartition tp) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (records.size() < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }
}
