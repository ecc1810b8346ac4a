package dev.eventshop.broker.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka transactions with the unmodified Java client against one mini-broker: what read_committed
 * and read_uncommitted consumers see of committed, aborted and open transactions; fencing of an
 * older producer with the same transactional id; the coordinator aborting a transaction that
 * outlives its timeout; transactions surviving a broker restart; and compaction of a topic written
 * in transactions.
 */
@Timeout(120)
class TransactionsIT {

  private static final String TOPIC = "payments";

  @TempDir Path dir;
  Broker broker;

  @BeforeEach
  void start() throws Exception {
    broker =
        RunningBroker.start(
            dir.resolve("broker"),
            "transaction.abort.timed.out.transaction.cleanup.interval.ms=200",
            "log.cleaner.backoff.ms=200");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin
          .createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  private KafkaProducer<String, String> transactional(String transactionalId, int timeoutMs) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(props);
  }

  private KafkaProducer<String, String> transactional(String transactionalId) {
    return transactional(transactionalId, 60_000);
  }

  private KafkaConsumer<String, String> consumer(IsolationLevel isolation) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return new KafkaConsumer<>(props);
  }

  /** Every value readable now from partition 0, polling until {@code expected} or 10 s. */
  private List<String> read(IsolationLevel isolation, int expected) {
    return read(TOPIC, isolation, expected);
  }

  private List<String> read(String topic, IsolationLevel isolation, int expected) {
    TopicPartition tp = new TopicPartition(topic, 0);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(isolation)) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
      // One more poll: nothing beyond what is expected may show up.
      consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(r.value()));
    }
    return values;
  }

  private ProducerRecord<String, String> record(String value) {
    return new ProducerRecord<>(TOPIC, 0, "k", value);
  }

  @Test
  void readCommittedSeesCommittedTransactionsOnlyAndReadUncommittedSeesAll() throws Exception {
    try (KafkaProducer<String, String> producer = transactional("tx-commit-abort")) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(record("c1"));
      producer.send(record("c2"));
      producer.send(new ProducerRecord<>(TOPIC, 1, "k", "other partition"));
      producer.commitTransaction();

      producer.beginTransaction();
      producer.send(record("a1"));
      producer.flush();
      producer.abortTransaction();

      producer.beginTransaction();
      producer.send(record("c3"));
      producer.commitTransaction();
    }

    assertThat(read(IsolationLevel.READ_COMMITTED, 3)).containsExactly("c1", "c2", "c3");
    assertThat(read(IsolationLevel.READ_UNCOMMITTED, 4)).containsExactly("c1", "c2", "a1", "c3");
  }

  @Test
  void anOpenTransactionHoldsReadCommittedConsumersBackUntilItCommits() throws Exception {
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    try (KafkaProducer<String, String> producer = transactional("tx-open");
        KafkaProducer<String, String> plain = plainProducer();
        Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(record("in transaction")).get(10, TimeUnit.SECONDS);
      plain.send(record("after it, no transaction")).get(10, TimeUnit.SECONDS);

      // The last stable offset stops at the open transaction's first record; the end does not.
      assertThat(latest(admin, tp, IsolationLevel.READ_COMMITTED)).isZero();
      assertThat(latest(admin, tp, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(2);
      assertThat(read(IsolationLevel.READ_COMMITTED, 0)).isEmpty();

      producer.commitTransaction();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> latest(admin, tp, IsolationLevel.READ_COMMITTED) == 3);
      assertThat(read(IsolationLevel.READ_COMMITTED, 2))
          .containsExactly("in transaction", "after it, no transaction");
    }
  }

  @Test
  void aKafka4ProducerBumpsItsEpochAtEveryEndOfATransaction() throws Exception {
    // Transaction version 2 (KIP-890): the client adds no partitions itself, and each EndTxn
    // moves the epoch on; consumed offsets join the transaction without AddOffsetsToTxn.
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    List<Integer> epochs = new ArrayList<>();
    try (KafkaProducer<String, String> producer = transactional("tx-v2");
        Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      producer.initTransactions();
      for (int i = 0; i < 3; i++) {
        producer.beginTransaction();
        producer.send(record("v2-" + i)).get(10, TimeUnit.SECONDS);
        producer.sendOffsetsToTransaction(
            Map.of(new TopicPartition("input", 0), new OffsetAndMetadata(i + 1)),
            new ConsumerGroupMetadata("v2-group"));
        if (i == 1) {
          producer.abortTransaction();
        } else {
          producer.commitTransaction();
        }
        epochs.add(
            admin
                .describeTransactions(List.of("tx-v2"))
                .description("tx-v2")
                .get(10, TimeUnit.SECONDS)
                .producerEpoch());
      }
      assertThat(
              admin
                  .describeProducers(List.of(tp))
                  .partitionResult(tp)
                  .get(10, TimeUnit.SECONDS)
                  .activeProducers()
                  .get(0)
                  .producerEpoch())
          .as("the last marker's epoch")
          .isEqualTo(epochs.get(2));
      assertThat(
              admin
                  .listConsumerGroupOffsets("v2-group")
                  .partitionsToOffsetAndMetadata()
                  .get(10, TimeUnit.SECONDS))
          .containsEntry(new TopicPartition("input", 0), new OffsetAndMetadata(3));
    }
    assertThat(epochs).containsExactly(1, 2, 3);
    assertThat(read(IsolationLevel.READ_COMMITTED, 2)).containsExactly("v2-0", "v2-2");
  }

  @Test
  void aNewProducerWithTheSameIdFencesTheOldOneAndAbortsItsOpenTransaction() throws Exception {
    KafkaProducer<String, String> first = transactional("tx-fenced");
    try {
      first.initTransactions();
      first.beginTransaction();
      first.send(record("from the old producer")).get(10, TimeUnit.SECONDS);

      try (KafkaProducer<String, String> second = transactional("tx-fenced")) {
        second.initTransactions(); // aborts the first producer's transaction
        second.beginTransaction();
        second.send(record("from the new producer"));
        second.commitTransaction();
      }

      assertThatThrownBy(
              () -> {
                first.send(record("too late")).get(10, TimeUnit.SECONDS);
                first.commitTransaction();
              })
          .satisfies(
              e ->
                  assertThat(rootOrSelf(e))
                      .isInstanceOfAny(
                          ProducerFencedException.class,
                          org.apache.kafka.common.errors.InvalidProducerEpochException.class));
    } finally {
      first.close(Duration.ZERO);
    }
    assertThat(read(IsolationLevel.READ_COMMITTED, 1)).containsExactly("from the new producer");
  }

  @Test
  void theCoordinatorAbortsATransactionOpenLongerThanItsTimeout() throws Exception {
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    try (KafkaProducer<String, String> producer = transactional("tx-timeout", 1_000);
        Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(record("never committed")).get(10, TimeUnit.SECONDS);

      // The abort marker moves the last stable offset past the transaction.
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> latest(admin, tp, IsolationLevel.READ_COMMITTED) == 2);
      assertThatThrownBy(producer::commitTransaction).isInstanceOf(KafkaException.class);
    }
    assertThat(read(IsolationLevel.READ_COMMITTED, 0)).isEmpty();
  }

  @Test
  void transactionsSurviveABrokerRestart() throws Exception {
    try (KafkaProducer<String, String> producer = transactional("tx-restart")) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(record("before restart")).get(10, TimeUnit.SECONDS);

      broker = RunningBroker.restart(broker);

      // The coordinator reloads the open transaction; the producer commits it.
      producer.send(record("after restart"));
      producer.commitTransaction();

      producer.beginTransaction();
      producer.send(record("aborted after restart")).get(10, TimeUnit.SECONDS);
      producer.abortTransaction();
    }
    broker = RunningBroker.restart(broker);
    assertThat(read(IsolationLevel.READ_COMMITTED, 2))
        .containsExactly("before restart", "after restart");
  }

  @Test
  void compactionRemovesAbortedRecordsAndSpentMarkersAndReadCommittedStaysRight() throws Exception {
    String topic = "compacted";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<String, String> configs =
          Map.of("cleanup.policy", "compact", "segment.bytes", "300", "delete.retention.ms", "0");
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    List<Long> spent = new ArrayList<>(); // data offsets whose transaction leaves nothing behind
    List<Long> kept = new ArrayList<>();
    try (KafkaProducer<String, String> producer = transactional("tx-compacted")) {
      producer.initTransactions();
      spent.add(writeInTransaction(producer, topic, "k1", "c1", true)); // superseded by c3
      spent.add(writeInTransaction(producer, topic, "k1", "a1", false));
      spent.add(writeInTransaction(producer, topic, "k2", "a2", false));
      kept.add(writeInTransaction(producer, topic, "k3", "c2", true));
      kept.add(writeInTransaction(producer, topic, "k1", "c3", true));
      spent.add(writeInTransaction(producer, topic, "k4", "a3", false));
      // Later transactions, so that the ones above lie in segments the cleaner may rewrite.
      for (int i = 0; i < 6; i++) {
        writeInTransaction(producer, topic, "later", "l" + i, true);
      }
    }
    Path partitionDir = dir.resolve("broker").resolve(topic + "-0");

    // Each transaction above is a record at its offset and its marker right after it.
    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(batchOffsetsOnDisk(partitionDir))
                    .as("neither the spent transactions' records nor their markers")
                    .doesNotContainAnyElementsOf(withMarkers(spent))
                    .containsAll(withMarkers(kept)));

    List<String> committed = read(topic, IsolationLevel.READ_COMMITTED, 3);
    List<String> uncommitted = read(topic, IsolationLevel.READ_UNCOMMITTED, 3);
    assertThat(committed.subList(0, 2)).containsExactly("c2", "c3");
    assertThat(committed).doesNotContain("c1", "a1", "a2", "a3").endsWith("l5");
    assertThat(uncommitted).isEqualTo(committed);
  }

  /** The offsets of records written in transactions of their own, and of their markers. */
  private static List<Long> withMarkers(List<Long> recordOffsets) {
    return recordOffsets.stream().flatMap(o -> java.util.stream.Stream.of(o, o + 1)).toList();
  }

  /** Writes one record in a transaction of its own; returns the record's offset. */
  private static long writeInTransaction(
      KafkaProducer<String, String> producer,
      String topic,
      String key,
      String value,
      boolean commit)
      throws Exception {
    producer.beginTransaction();
    long offset =
        producer
            .send(new ProducerRecord<>(topic, 0, key, value))
            .get(10, TimeUnit.SECONDS)
            .offset();
    if (commit) {
      producer.commitTransaction();
    } else {
      producer.abortTransaction();
    }
    return offset;
  }

  /** The base offsets of the batches in a partition's segment files, markers included. */
  private static List<Long> batchOffsetsOnDisk(Path partitionDir) throws Exception {
    List<Long> offsets = new ArrayList<>();
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(partitionDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        try (FileRecords records = FileRecords.open(file.toFile(), false)) {
          for (RecordBatch batch : records.batches()) {
            if (batch.countOrNull() != null && batch.countOrNull() > 0) {
              offsets.add(batch.baseOffset());
            }
          }
        }
      }
    }
    return offsets;
  }

  private KafkaProducer<String, String> plainProducer() {
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(props);
  }

  private static long latest(Admin admin, TopicPartition tp, IsolationLevel isolation)
      throws Exception {
    return admin
        .listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation))
        .partitionResult(tp)
        .get(10, TimeUnit.SECONDS)
        .offset();
  }

  private static Throwable rootOrSelf(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && !(t instanceof ProducerFencedException)) {
      t = t.getCause();
    }
    return t;
  }
}
