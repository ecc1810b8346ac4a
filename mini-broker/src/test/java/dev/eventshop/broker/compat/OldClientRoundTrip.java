package dev.eventshop.broker.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * A small producer / consumer program that {@link OldJavaClientIT} runs in a child JVM whose
 * classpath holds an older kafka-clients (3.9) instead of the build's 4.x. It uses only API that
 * both versions have, prints what it observed as {@code key=value} lines, and exits non-zero on any
 * error. Usage: {@code OldClientRoundTrip <bootstrap> <topic>}.
 */
public final class OldClientRoundTrip {

  static final int RECORDS = 200;

  private OldClientRoundTrip() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    System.out.println("client.version=" + AppInfoParser.getVersion());
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);

    try (Admin admin = Admin.create(common)) {
      admin
          .createTopics(List.of(new NewTopic(topic, 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }

    Properties producerProps = new Properties();
    producerProps.putAll(common);
    producerProps.put("compression.type", "zstd");
    producerProps.put("linger.ms", "5");
    long lastOffset = -1;
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
      List<java.util.concurrent.Future<RecordMetadata>> sends = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        sends.add(producer.send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i)));
      }
      for (java.util.concurrent.Future<RecordMetadata> send : sends) {
        lastOffset = Math.max(lastOffset, send.get(30, TimeUnit.SECONDS).offset());
      }
    }
    System.out.println("produced=" + RECORDS);
    System.out.println("produced.last.offset=" + lastOffset);

    Properties consumerProps = new Properties();
    consumerProps.putAll(common);
    consumerProps.put("group.id", "old-client-group");
    consumerProps.put("auto.offset.reset", "earliest");
    consumerProps.put("enable.auto.commit", "false");
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (records.size() < RECORDS && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      consumer.commitSync();
      Map<TopicPartition, OffsetAndMetadata> committed =
          consumer.committed(
              java.util.Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
      long committedTotal = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
      System.out.println("committed.total=" + committedTotal);
    }
    long inOrder =
        records.stream()
            .filter(r -> r.value().equals("v" + r.key().substring(1)))
            .filter(r -> Integer.parseInt(r.key().substring(1)) % 2 == r.partition())
            .filter(r -> r.offset() == Integer.parseInt(r.key().substring(1)) / 2)
            .count();
    System.out.println("consumed=" + records.size());
    System.out.println("consumed.matching=" + inOrder);
  }
}
