package dev.eventshop.broker.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The unmodified Java client, with its defaults, against a running mini-broker. */
class JavaClientIT {

  @TempDir Path dir;
  Broker broker;

  @BeforeEach
  void start() throws Exception {
    broker = RunningBroker.start(dir);
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  Properties common() {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    return props;
  }

  KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Properties props = common();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.putAll(extra);
    return new KafkaProducer<>(props);
  }

  KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
    Properties props = common();
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putAll(extra);
    return new KafkaConsumer<>(props);
  }

  List<ConsumerRecord<String, String>> readAll(TopicPartition tp, int expected) {
    return readAll(tp, expected, Map.of());
  }

  List<ConsumerRecord<String, String>> readAll(
      TopicPartition tp, int expected, Map<String, Object> consumerProps) {
    try (KafkaConsumer<String, String> consumer = consumer(consumerProps)) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void idempotentProducerWithEachCompressionRoundTrips(String compression) throws Exception {
    String topic = "t-" + compression;
    try (KafkaProducer<String, String> producer =
        producer(
            Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                compression,
                ProducerConfig.LINGER_MS_CONFIG,
                5))) {
      for (int i = 0; i < 100; i++) {
        producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
      }
      RecordMetadata last =
          producer.send(new ProducerRecord<>(topic, 0, null, null)).get(10, TimeUnit.SECONDS);
      assertThat(last.offset()).isEqualTo(100);
    }

    List<ConsumerRecord<String, String>> records = readAll(new TopicPartition(topic, 0), 101);

    assertThat(records).hasSize(101);
    for (int i = 0; i < 100; i++) {
      assertThat(records.get(i).offset()).isEqualTo(i);
      assertThat(records.get(i).key()).isEqualTo("k" + i);
      assertThat(records.get(i).value()).isEqualTo("v" + i);
    }
    assertThat(records.get(100).key()).isNull();
    assertThat(records.get(100).value()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "all"})
  void eachAcksSettingStoresTheRecords(String acks) throws Exception {
    String topic = "acks-" + acks;
    try (KafkaProducer<String, String> producer =
        producer(Map.of(ProducerConfig.ACKS_CONFIG, acks))) {
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>(topic, 0, "k", "v" + i)).get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(readAll(new TopicPartition(topic, 0), 10))
        .extracting(ConsumerRecord::value)
        .hasSize(10)
        .startsWith("v0")
        .endsWith("v9");
  }

  @Test
  void headersAndLargeRecordsSurvive() throws Exception {
    String big = "x".repeat(900_000);
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      ProducerRecord<String, String> record = new ProducerRecord<>("h", 0, "key", big);
      record.headers().add("trace", "abc".getBytes(StandardCharsets.UTF_8));
      producer.send(record).get(10, TimeUnit.SECONDS);
    }
    ConsumerRecord<String, String> read = readAll(new TopicPartition("h", 0), 1).get(0);
    assertThat(read.value()).hasSize(900_000);
    assertThat(new String(read.headers().lastHeader("trace").value(), StandardCharsets.UTF_8))
        .isEqualTo("abc");
  }

  @Test
  void recordOverMaxMessageBytesIsRefused() throws Exception {
    try (Admin admin = Admin.create(common())) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("small", 1, (short) 1)
                      .configs(Map.of("max.message.bytes", "10000"))))
          .all()
          .get();
    }
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>("small", "k", "y".repeat(20_000)))
                      .get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(RecordTooLargeException.class);
    }
  }

  @Test
  void deleteRecordsMovesTheStartAndRefusesCompactedTopicsAndOffsetsPastTheEnd() throws Exception {
    try (Admin admin = Admin.create(common())) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("trimmed", 1, (short) 1),
                  new NewTopic("compacted", 1, (short) 1)
                      .configs(Map.of("cleanup.policy", "compact"))))
          .all()
          .get();
      try (KafkaProducer<String, String> producer = producer(Map.of())) {
        for (int i = 0; i < 5; i++) {
          producer.send(new ProducerRecord<>("trimmed", 0, "k", "v" + i));
          producer.send(new ProducerRecord<>("compacted", 0, "k", "v" + i));
        }
        producer.flush();
      }
      TopicPartition trimmed = new TopicPartition("trimmed", 0);
      TopicPartition compacted = new TopicPartition("compacted", 0);

      assertThat(
              admin
                  .deleteRecords(Map.of(trimmed, RecordsToDelete.beforeOffset(3)))
                  .lowWatermarks()
                  .get(trimmed)
                  .get()
                  .lowWatermark())
          .isEqualTo(3);
      assertThat(readAll(trimmed, 2)).extracting(ConsumerRecord::value).containsExactly("v3", "v4");
      assertThatThrownBy(
              () ->
                  admin.deleteRecords(Map.of(trimmed, RecordsToDelete.beforeOffset(6))).all().get())
          .hasCauseInstanceOf(OffsetOutOfRangeException.class);
      assertThatThrownBy(
              () ->
                  admin
                      .deleteRecords(Map.of(compacted, RecordsToDelete.beforeOffset(2)))
                      .all()
                      .get())
          .hasCauseInstanceOf(PolicyViolationException.class);
    }
  }

  @Test
  void adminCreatesDescribesListsOffsetsAndDeletes() throws Exception {
    try (Admin admin = Admin.create(common());
        KafkaProducer<String, String> producer = producer(Map.of())) {
      admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
      TopicDescription description =
          admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
      assertThat(description.partitions()).hasSize(3);
      assertThat(description.topicId()).isNotNull();
      assertThat(description.partitions().get(0).leader().id()).isEqualTo(1);

      long t0 = System.currentTimeMillis();
      for (int i = 0; i < 5; i++) {
        producer.send(new ProducerRecord<>("orders", 1, t0 + i * 1000L, "k", "v" + i)).get();
      }
      TopicPartition tp = new TopicPartition("orders", 1);
      assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset())
          .isZero();
      assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset())
          .isEqualTo(5);
      assertThat(
              admin
                  .listOffsets(Map.of(tp, OffsetSpec.forTimestamp(t0 + 2500)))
                  .all()
                  .get()
                  .get(tp)
                  .offset())
          .isEqualTo(3);
      assertThat(
              admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).all().get().get(tp).offset())
          .isEqualTo(4);

      admin
          .createPartitions(
              Map.of("orders", org.apache.kafka.clients.admin.NewPartitions.increaseTo(5)))
          .all()
          .get();
      assertThat(
              admin
                  .describeTopics(List.of("orders"))
                  .allTopicNames()
                  .get()
                  .get("orders")
                  .partitions())
          .hasSize(5);

      assertThat(admin.describeCluster().nodes().get()).hasSize(1);
      assertThat(admin.describeCluster().clusterId().get()).isNotBlank();

      admin.deleteTopics(List.of("orders")).all().get();
      assertThat(admin.listTopics().names().get()).doesNotContain("orders");
    }
  }

  @Test
  void recordsSurviveARestart() throws Exception {
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      for (int i = 0; i < 50; i++) {
        producer.send(new ProducerRecord<>("durable", 0, "k" + i, "v" + i)).get();
      }
    }
    broker = RunningBroker.restart(broker);
    List<ConsumerRecord<String, String>> records = readAll(new TopicPartition("durable", 0), 50);
    assertThat(records).hasSize(50);
    assertThat(records.get(49).value()).isEqualTo("v49");
  }

  @Test
  void consumerGroupSharesPartitionsAndCommittedOffsetsSurviveRestart() throws Exception {
    try (Admin admin = Admin.create(common());
        KafkaProducer<String, String> producer = producer(Map.of())) {
      admin.createTopics(List.of(new NewTopic("grouped", 4, (short) 1))).all().get();
      for (int i = 0; i < 40; i++) {
        producer.send(new ProducerRecord<>("grouped", i % 4, "k" + i, "v" + i)).get();
      }
    }
    Map<String, Object> group =
        Map.of(
            ConsumerConfig.GROUP_ID_CONFIG, "g1", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, String> first = consumer(group);
        KafkaConsumer<String, String> second = consumer(group)) {
      first.subscribe(List.of("grouped"));
      second.subscribe(List.of("grouped"));
      // Without commits, a partition that moves in a rebalance is read again from the start.
      java.util.Set<String> seen = new java.util.HashSet<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while ((seen.size() < 40 || first.assignment().size() != 2 || second.assignment().size() != 2)
          && System.nanoTime() < deadline) {
        first.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.partition() + "@" + r.offset()));
        second
            .poll(Duration.ofMillis(100))
            .forEach(r -> seen.add(r.partition() + "@" + r.offset()));
      }
      assertThat(first.assignment()).hasSize(2);
      assertThat(second.assignment()).hasSize(2);
      assertThat(seen).hasSize(40);
      // Explicit offsets: a partition assigned in the last rebalance may not have been polled yet.
      for (KafkaConsumer<String, String> member : List.of(first, second)) {
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets =
            new java.util.HashMap<>();
        member
            .assignment()
            .forEach(
                tp -> offsets.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(10)));
        member.commitSync(offsets);
      }
    }
    try (Admin admin = Admin.create(common())) {
      assertThat(admin.listConsumerGroupOffsets("g1").partitionsToOffsetAndMetadata().get())
          .hasSize(4);
    }
    broker = RunningBroker.restart(broker);
    try (Admin admin = Admin.create(common())) {
      Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("g1").partitionsToOffsetAndMetadata().get();
      assertThat(committed).hasSize(4);
      assertThat(committed.values()).allSatisfy(o -> assertThat(o.offset()).isEqualTo(10));
    }
  }
}
