package dev.eventshop.support.testing;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A test's hands on the broker: publishes records as another service would, reads what the service
 * under test published, and waits until a consumer group has committed past a record. Every wait is
 * bounded.
 */
public final class KafkaProbe implements AutoCloseable {

  /** How long a test waits for the service to react. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String bootstrapServers;
  private final KafkaProducer<String, String> producer;
  private final Admin admin;

  public KafkaProbe(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer());
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  /** Publishes a record with the given headers (name, value, name, value...) and waits for it. */
  public RecordMetadata send(String topic, String key, String value, String... headers) {
    var record = new ProducerRecord<>(topic, key, value);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      record.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    try {
      return producer.send(record).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Publishes an event the way the outbox relay does: keyed by order, typed by header. */
  public RecordMetadata sendEvent(String topic, String orderId, String eventType, String json) {
    return send(topic, orderId, json, "eventType", eventType);
  }

  /** Waits for the first record on {@code topic} (any partition, from the start) that matches. */
  public ConsumerRecord<String, String> awaitRecord(
      String topic, Predicate<ConsumerRecord<String, String>> matching) {
    return awaitRecords(topic, matching, 1).get(0);
  }

  /** Waits until {@code count} records on {@code topic} match, and returns all that match. */
  public List<ConsumerRecord<String, String>> awaitRecords(
      String topic, Predicate<ConsumerRecord<String, String>> matching, int count) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
            new StringDeserializer(),
            new StringDeserializer())) {
      // Assigned, not subscribed: no group, no rebalance, every partition from its start.
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<ConsumerRecord<String, String>> found = new ArrayList<>();
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ZERO)
          .until(
              () -> {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                  if (matching.test(record)) {
                    found.add(record);
                  }
                }
                return found.size() >= count;
              });
      return found;
    }
  }

  /** Waits until consumer group {@code group} has committed past the record at {@code sent}. */
  public void awaitConsumed(String group, RecordMetadata sent) {
    TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                Optional.ofNullable(
                            admin
                                .listConsumerGroupOffsets(group)
                                .partitionsToOffsetAndMetadata()
                                .get()
                                .get(partition))
                        .map(OffsetAndMetadata::offset)
                        .orElse(-1L)
                    > sent.offset());
  }

  /** The value of a record header, or null. */
  public static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close();
    admin.close();
  }
}
