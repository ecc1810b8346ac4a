package dev.eventshop.broker.compat;

import static org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.SAFE_DOWNGRADE;
import static org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.UNKNOWN;
import static org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.UNSAFE_DOWNGRADE;
import static org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType.UPGRADE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterPartitionReassignmentsOptions;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.UpdateFeaturesRequestData;
import org.apache.kafka.common.message.UpdateFeaturesRequestData.FeatureUpdateKey;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same client scenarios against mini-broker and against Apache Kafka 4.1 (in-process KRaft):
 * what the unmodified Java client observes (offsets, records, ListOffsets answers, partition
 * choice, configs, error types) must be the same. Both run with topic auto-creation off.
 */
class DifferentialIT {

  static final String MINI = "mini-broker";
  static final String KAFKA = "apache-kafka";

  @TempDir static Path dir;
  static Broker miniBroker;
  static ApacheKafka apacheKafka;
  static final Map<String, String> BOOTSTRAP = new LinkedHashMap<>();

  @BeforeAll
  static void startBoth() throws Exception {
    miniBroker = RunningBroker.start(dir.resolve("mini"), "auto.create.topics.enable=false");
    apacheKafka = ApacheKafka.start(dir.resolve("kafka"), "auto.create.topics.enable=false");
    BOOTSTRAP.put(MINI, miniBroker.bootstrapServers());
    BOOTSTRAP.put(KAFKA, apacheKafka.bootstrapServers());
  }

  @AfterAll
  static void stopBoth() throws Exception {
    if (miniBroker != null) {
      miniBroker.close();
    }
    if (apacheKafka != null) {
      apacheKafka.close();
    }
  }

  /** A scenario run against one cluster, given its bootstrap servers. */
  interface Scenario<T> {
    T run(String bootstrap) throws Exception;
  }

  /** Runs the scenario on both brokers and asserts the client saw the same; returns it. */
  static <T> T sameOnBoth(Scenario<T> scenario) throws Exception {
    Map<String, T> observed = new LinkedHashMap<>();
    for (Map.Entry<String, String> broker : BOOTSTRAP.entrySet()) {
      observed.put(broker.getKey(), scenario.run(broker.getValue()));
    }
    assertThat(observed.get(MINI))
        .as("what the client observed on mini-broker vs Apache Kafka")
        .isEqualTo(observed.get(KAFKA));
    return observed.get(MINI);
  }

  /** A record as a consumer sees it. */
  record Read(
      int partition,
      long offset,
      String key,
      String value,
      List<String> headers,
      long timestamp,
      String timestampType) {

    static Read of(ConsumerRecord<String, String> r) {
      List<String> headers = new ArrayList<>();
      for (Header h : r.headers()) {
        headers.add(
            h.key()
                + "="
                + (h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8)));
      }
      return new Read(
          r.partition(),
          r.offset(),
          r.key(),
          r.value(),
          headers,
          r.timestamp(),
          r.timestampType().name);
    }
  }

  static Admin admin(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("default.api.timeout.ms", "15000");
    props.put("request.timeout.ms", "10000");
    return Admin.create(props);
  }

  static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> extra) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.putAll(extra);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(String bootstrap, Map<String, Object> extra) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("auto.offset.reset", "earliest");
    props.putAll(extra);
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  /**
   * Creates the topic and waits until the broker's metadata shows it with a leader for every
   * partition: Kafka's controller answers first, and a group coordinator that has not yet seen the
   * topic assigns nothing of it.
   */
  static void createTopic(String bootstrap, NewTopic topic) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () ->
                  admin
                      .describeTopics(List.of(topic.name()))
                      .allTopicNames()
                      .get(10, TimeUnit.SECONDS)
                      .get(topic.name())
                      .partitions()
                      .stream()
                      .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
    }
  }

  static List<Read> readAll(String bootstrap, TopicPartition tp, int expected) {
    return readAll(bootstrap, tp, expected, "read_uncommitted");
  }

  static List<Read> readAll(String bootstrap, TopicPartition tp, int expected, String isolation) {
    List<Read> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        consumer(bootstrap, Map.of("isolation.level", isolation))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(r -> records.add(Read.of(r)));
      }
    }
    return records;
  }

  /** The simple name of what a failed future or call threw, unwrapping ExecutionException. */
  static String errorOf(Callable call) {
    try {
      call.call();
      return "no error";
    } catch (ExecutionException e) {
      return e.getCause().getClass().getSimpleName();
    } catch (Exception e) {
      return e.getClass().getSimpleName();
    }
  }

  interface Callable {
    void call() throws Exception;
  }

  @Test
  void produceReturnsTheSameOffsetsAndRecordsReadBackTheSame() throws Exception {
    long t0 = 1_700_000_000_000L;
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("records", 1, (short) 1));
          List<Long> offsets = new ArrayList<>();
          try (KafkaProducer<String, String> producer =
              producer(bootstrap, Map.of("compression.type", "gzip", "linger.ms", 10))) {
            for (int i = 0; i < 5; i++) {
              offsets.add(
                  producer
                      .send(new ProducerRecord<>("records", 0, t0 + i, "k" + i, "v" + i))
                      .get(10, TimeUnit.SECONDS)
                      .offset());
            }
            List<Future<RecordMetadata>> batch = new ArrayList<>();
            for (int i = 5; i < 60; i++) {
              ProducerRecord<String, String> record =
                  new ProducerRecord<>(
                      "records",
                      0,
                      t0 + i,
                      i % 7 == 0 ? null : "k" + i,
                      i % 11 == 0 ? null : "v" + i);
              record.headers().add("h", ("x" + i).getBytes(StandardCharsets.UTF_8));
              record.headers().add("empty", null);
              batch.add(producer.send(record));
            }
            for (Future<RecordMetadata> f : batch) {
              offsets.add(f.get(10, TimeUnit.SECONDS).offset());
            }
          }
          return Map.of(
              "offsets",
              offsets,
              "records",
              readAll(bootstrap, new TopicPartition("records", 0), 60));
        });
  }

  @Test
  void listOffsetsAnswersTheSame() throws Exception {
    long t0 = 1_700_000_000_000L;
    // Timestamps out of order, some batches of one record and one batch of several.
    long[] single = {t0, t0 + 5000, t0 + 1000, t0 + 3000};
    long[] batched = {t0 + 7000, t0 + 6000, t0 + 9000, t0 + 8000};
    long[] queries = {
      t0 - 1, t0, t0 + 1, t0 + 2000, t0 + 4000, t0 + 5000, t0 + 6500, t0 + 8500, t0 + 9000,
      t0 + 9001
    };
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("by-time", 1, (short) 1));
          try (KafkaProducer<String, String> producer =
              producer(bootstrap, Map.of("linger.ms", 50, "batch.size", 65536))) {
            for (long ts : single) {
              producer
                  .send(new ProducerRecord<>("by-time", 0, ts, null, "v"))
                  .get(10, TimeUnit.SECONDS);
            }
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (long ts : batched) {
              sends.add(producer.send(new ProducerRecord<>("by-time", 0, ts, null, "v")));
            }
            for (Future<RecordMetadata> f : sends) {
              f.get(10, TimeUnit.SECONDS);
            }
          }
          TopicPartition tp = new TopicPartition("by-time", 0);
          Map<String, String> answers = new TreeMap<>();
          try (Admin admin = admin(bootstrap)) {
            Map<String, OffsetSpec> specs = new LinkedHashMap<>();
            specs.put("earliest", OffsetSpec.earliest());
            specs.put("latest", OffsetSpec.latest());
            // OffsetSpec.maxTimestamp() differs inside a batch: see maxTimestampIsTheRecordsOffset.
            for (long q : queries) {
              specs.put("t0+" + (q - t0), OffsetSpec.forTimestamp(q));
            }
            for (Map.Entry<String, OffsetSpec> spec : specs.entrySet()) {
              ListOffsetsResultInfo info =
                  admin
                      .listOffsets(Map.of(tp, spec.getValue()))
                      .all()
                      .get(10, TimeUnit.SECONDS)
                      .get(tp);
              answers.put(spec.getKey(), info.offset() + "@" + info.timestamp());
            }
          }
          return answers;
        });
  }

  @Test
  void maxTimestampIsTheRecordsOffsetNotItsBatchsLast() throws Exception {
    long t0 = 1_700_000_000_000L;
    long[] batched = {t0 + 7000, t0 + 6000, t0 + 9000, t0 + 8000};
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("max-time", 1, (short) 1));
          try (KafkaProducer<String, String> producer =
              producer(bootstrap, Map.of("linger.ms", 50, "batch.size", 65536))) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (long ts : batched) {
              sends.add(producer.send(new ProducerRecord<>("max-time", 0, ts, null, "v")));
            }
            for (Future<RecordMetadata> f : sends) {
              f.get(10, TimeUnit.SECONDS);
            }
          }
          TopicPartition tp = new TopicPartition("max-time", 0);
          try (Admin admin = admin(bootstrap)) {
            ListOffsetsResultInfo info =
                admin
                    .listOffsets(Map.of(tp, OffsetSpec.maxTimestamp()))
                    .all()
                    .get(10, TimeUnit.SECONDS)
                    .get(tp);
            return info.offset() + "@" + info.timestamp();
          }
        });
  }

  @Test
  void keyedRecordsGoToTheSamePartitions() throws Exception {
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("keyed", 6, (short) 1));
          Map<String, Integer> partitionOfKey = new TreeMap<>();
          try (KafkaProducer<String, String> producer = producer(bootstrap, Map.of())) {
            for (int i = 0; i < 60; i++) {
              String key = "order-" + i;
              partitionOfKey.put(
                  key,
                  producer
                      .send(new ProducerRecord<>("keyed", key, "v"))
                      .get(10, TimeUnit.SECONDS)
                      .partition());
            }
          }
          return partitionOfKey;
        });
  }

  @Test
  void staticGroupMembersGetTheSameRangeAssignmentsAndCommits() throws Exception {
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("grouped", 4, (short) 1));
          try (KafkaProducer<String, String> producer = producer(bootstrap, Map.of())) {
            for (int i = 0; i < 40; i++) {
              producer.send(new ProducerRecord<>("grouped", i % 4, "k" + i, "v" + i));
            }
            producer.flush();
          }
          Map<String, KafkaConsumer<String, String>> members = new TreeMap<>();
          try {
            for (String member : List.of("member-1", "member-2")) {
              KafkaConsumer<String, String> consumer =
                  consumer(
                      bootstrap,
                      Map.of(
                          "group.id", "grouped-app",
                          "group.instance.id", member,
                          "enable.auto.commit", "false",
                          "heartbeat.interval.ms", "200",
                          "session.timeout.ms", "10000",
                          "partition.assignment.strategy",
                              "org.apache.kafka.clients.consumer.RangeAssignor"));
              consumer.subscribe(List.of("grouped"));
              members.put(member, consumer);
            }
            // Poll both until each owns two partitions and has read them to the end (10 records
            // each), so that what each member commits does not depend on rebalance timing.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && !caughtUp(members.values(), 10)) {
              for (KafkaConsumer<String, String> member : members.values()) {
                member.poll(Duration.ofMillis(50));
              }
            }
            Map<String, List<Integer>> assignment = new TreeMap<>();
            for (Map.Entry<String, KafkaConsumer<String, String>> m : members.entrySet()) {
              m.getValue().commitSync(Duration.ofSeconds(10));
              assignment.put(
                  m.getKey(),
                  m.getValue().assignment().stream()
                      .map(TopicPartition::partition)
                      .sorted()
                      .toList());
            }
            Map<Integer, Long> committed = new TreeMap<>();
            try (Admin admin = admin(bootstrap)) {
              admin
                  .listConsumerGroupOffsets("grouped-app")
                  .partitionsToOffsetAndMetadata()
                  .get(10, TimeUnit.SECONDS)
                  .forEach((tp, offset) -> committed.put(tp.partition(), offset.offset()));
            }
            return Map.of("assignment", assignment, "committed", committed);
          } finally {
            members.values().forEach(KafkaConsumer::close);
          }
        });
  }

  static boolean caughtUp(Collection<KafkaConsumer<String, String>> members, long end) {
    for (KafkaConsumer<String, String> member : members) {
      if (member.assignment().size() != 2) {
        return false;
      }
      for (TopicPartition tp : member.assignment()) {
        if (member.position(tp, Duration.ofSeconds(5)) != end) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void errorsHaveTheSameTypes() throws Exception {
    Map<String, String> observed =
        sameOnBoth(
            bootstrap -> {
              Map<String, String> errors = new TreeMap<>();
              createTopic(
                  bootstrap,
                  new NewTopic("small", 1, (short) 1)
                      .configs(Map.of("max.message.bytes", "10000")));
              createTopic(bootstrap, new NewTopic("ten", 1, (short) 1));
              try (KafkaProducer<String, String> producer =
                  producer(
                      bootstrap,
                      Map.of(
                          "max.block.ms",
                          2000,
                          "delivery.timeout.ms",
                          5000,
                          "request.timeout.ms",
                          4000))) {
                errors.put(
                    "produce to unknown topic (auto-create off)",
                    errorOf(
                        () ->
                            producer
                                .send(new ProducerRecord<>("absent", "k", "v"))
                                .get(10, TimeUnit.SECONDS)));
                errors.put(
                    "record over max.message.bytes",
                    errorOf(
                        () ->
                            producer
                                .send(new ProducerRecord<>("small", 0, "k", "y".repeat(20_000)))
                                .get(10, TimeUnit.SECONDS)));
                for (int i = 0; i < 10; i++) {
                  producer
                      .send(new ProducerRecord<>("ten", 0, "k", "v" + i))
                      .get(10, TimeUnit.SECONDS);
                }
              }
              try (KafkaConsumer<String, String> consumer =
                  consumer(bootstrap, Map.of("auto.offset.reset", "none"))) {
                TopicPartition tp = new TopicPartition("ten", 0);
                consumer.assign(List.of(tp));
                consumer.seek(tp, 100);
                String outOfRange = "no error";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (outOfRange.equals("no error") && System.nanoTime() < deadline) {
                  try {
                    consumer.poll(Duration.ofMillis(200));
                  } catch (OffsetOutOfRangeException e) {
                    outOfRange =
                        e.getClass().getSimpleName() + " " + e.offsetOutOfRangePartitions();
                  }
                }
                errors.put("fetch past the log end with auto.offset.reset=none", outOfRange);
              }
              try (Admin admin = admin(bootstrap)) {
                errors.put(
                    "describe unknown topic",
                    errorOf(() -> admin.describeTopics(List.of("absent")).allTopicNames().get()));
                errors.put(
                    "create existing topic",
                    errorOf(
                        () ->
                            admin
                                .createTopics(List.of(new NewTopic("ten", 1, (short) 1)))
                                .all()
                                .get()));
                errors.put(
                    "delete unknown topic",
                    errorOf(() -> admin.deleteTopics(List.of("absent")).all().get()));
                errors.put(
                    "shrink partitions",
                    errorOf(
                        () ->
                            admin
                                .createPartitions(Map.of("ten", NewPartitions.increaseTo(1)))
                                .all()
                                .get()));
                errors.put(
                    "invalid topic config value",
                    errorOf(
                        () ->
                            admin
                                .createTopics(
                                    List.of(
                                        new NewTopic("bad-config", 1, (short) 1)
                                            .configs(Map.of("retention.ms", "soon"))))
                                .all()
                                .get()));
              }
              return errors;
            });
    // Equal is not enough: each case must really have failed, and as Kafka's clients expect.
    assertThat(observed)
        .containsEntry("record over max.message.bytes", "RecordTooLargeException")
        .containsEntry("describe unknown topic", "UnknownTopicOrPartitionException")
        .containsEntry("create existing topic", "TopicExistsException")
        .containsEntry("delete unknown topic", "UnknownTopicOrPartitionException")
        .containsEntry("shrink partitions", "InvalidPartitionsException")
        .containsEntry("invalid topic config value", "InvalidConfigurationException");
    assertThat(observed.get("fetch past the log end with auto.offset.reset=none"))
        .startsWith("OffsetOutOfRangeException {ten-0=100}");
    assertThat(observed.get("produce to unknown topic (auto-create off)")).isNotEqualTo("no error");
  }

  @Test
  void deleteRecordsElectionsLogDirsAndProducersAnswerTheSame() throws Exception {
    Map<String, Object> observed =
        sameOnBoth(
            bootstrap -> {
              Map<String, Object> seen = new TreeMap<>();
              createTopic(bootstrap, new NewTopic("trim", 1, (short) 1));
              createTopic(
                  bootstrap,
                  new NewTopic("trim-compacted", 1, (short) 1)
                      .configs(Map.of("cleanup.policy", "compact")));
              try (KafkaProducer<String, String> producer = producer(bootstrap, Map.of())) {
                for (int i = 0; i < 10; i++) {
                  producer.send(new ProducerRecord<>("trim", 0, "k", "v" + i)).get();
                  producer.send(new ProducerRecord<>("trim-compacted", 0, "k", "v" + i)).get();
                }
              }
              TopicPartition trim = new TopicPartition("trim", 0);
              TopicPartition compacted = new TopicPartition("trim-compacted", 0);
              try (Admin admin = admin(bootstrap)) {
                seen.put(
                    "low watermark after deleting before 4",
                    admin
                        .deleteRecords(Map.of(trim, RecordsToDelete.beforeOffset(4)))
                        .lowWatermarks()
                        .get(trim)
                        .get()
                        .lowWatermark());
                seen.put(
                    "earliest offset after it",
                    admin
                        .listOffsets(Map.of(trim, OffsetSpec.earliest()))
                        .all()
                        .get()
                        .get(trim)
                        .offset());
                seen.put(
                    "delete past the end",
                    errorOf(
                        () ->
                            admin
                                .deleteRecords(Map.of(trim, RecordsToDelete.beforeOffset(20)))
                                .all()
                                .get()));
                seen.put(
                    "delete from a compacted topic",
                    errorOf(
                        () ->
                            admin
                                .deleteRecords(Map.of(compacted, RecordsToDelete.beforeOffset(2)))
                                .all()
                                .get()));
                seen.put(
                    "preferred election where the preferred replica leads",
                    errorOf(
                        () ->
                            admin.electLeaders(ElectionType.PREFERRED, Set.of(trim)).all().get()));
                seen.put(
                    "unclean election where a leader is",
                    errorOf(
                        () -> admin.electLeaders(ElectionType.UNCLEAN, Set.of(trim)).all().get()));
                int node = admin.describeCluster().nodes().get().iterator().next().id();
                ReplicaInfo replica =
                    admin
                        .describeLogDirs(List.of(node))
                        .allDescriptions()
                        .get()
                        .get(node)
                        .values()
                        .iterator()
                        .next()
                        .replicaInfos()
                        .get(trim);
                seen.put("log dir: trim-0 has bytes", replica.size() > 0);
                seen.put("log dir: trim-0 offset lag", replica.offsetLag());
                List<ProducerState> producers =
                    admin
                        .describeProducers(List.of(trim))
                        .partitionResult(trim)
                        .get()
                        .activeProducers();
                seen.put("producers of trim-0", producers.size());
                seen.put(
                    "their epoch and last sequence",
                    producers.stream()
                        .map(ps -> ps.producerEpoch() + "/" + ps.lastSequence())
                        .toList());
              }
              seen.put("first record read", readAll(bootstrap, trim, 6).get(0).offset());
              return seen;
            });
    assertThat(observed)
        .containsEntry("low watermark after deleting before 4", 4L)
        .containsEntry("delete past the end", "OffsetOutOfRangeException")
        .containsEntry("delete from a compacted topic", "PolicyViolationException")
        .containsEntry(
            "preferred election where the preferred replica leads", "ElectionNotNeededException")
        .containsEntry("first record read", 4L);
  }

  @Test
  void transactionsLookTheSameToClients() throws Exception {
    Map<String, Object> observed =
        sameOnBoth(
            bootstrap -> {
              Map<String, Object> seen = new TreeMap<>();
              createTopic(bootstrap, new NewTopic("txn", 1, (short) 1));
              createTopic(bootstrap, new NewTopic("txn-input", 1, (short) 1));
              TopicPartition tp = new TopicPartition("txn", 0);
              TopicPartition input = new TopicPartition("txn-input", 0);
              Map<String, Object> transactional =
                  Map.of("transactional.id", "diff-tx", "transaction.timeout.ms", 30_000);
              try (KafkaProducer<String, String> producer = producer(bootstrap, transactional);
                  Admin admin = admin(bootstrap)) {
                producer.initTransactions();
                List<Long> offsets = new ArrayList<>();
                producer.beginTransaction();
                for (int i = 0; i < 3; i++) {
                  offsets.add(
                      producer.send(new ProducerRecord<>("txn", 0, "k", "c" + i)).get().offset());
                }
                producer.sendOffsetsToTransaction(
                    Map.of(input, new OffsetAndMetadata(7, "meta")),
                    new ConsumerGroupMetadata("diff-group"));
                producer.commitTransaction();
                producer.beginTransaction();
                for (int i = 0; i < 2; i++) {
                  offsets.add(
                      producer.send(new ProducerRecord<>("txn", 0, "k", "a" + i)).get().offset());
                }
                producer.abortTransaction();
                producer.beginTransaction();
                offsets.add(
                    producer.send(new ProducerRecord<>("txn", 0, "k", "open")).get().offset());
                seen.put("offsets of the sends", offsets);
                seen.put(
                    "open: end, read_uncommitted",
                    latest(admin, tp, IsolationLevel.READ_UNCOMMITTED));
                seen.put(
                    "open: end, read_committed", latest(admin, tp, IsolationLevel.READ_COMMITTED));
                TransactionDescription open =
                    admin.describeTransactions(List.of("diff-tx")).description("diff-tx").get();
                seen.put("open: state", open.state().toString());
                seen.put("open: partitions", open.topicPartitions());
                seen.put("open: epoch", open.producerEpoch());
                seen.put("open: timeout", open.transactionTimeoutMs());
                seen.put(
                    "open: transaction start offset",
                    admin
                        .describeProducers(List.of(tp))
                        .partitionResult(tp)
                        .get()
                        .activeProducers()
                        .get(0)
                        .currentTransactionStartOffset());
                seen.put(
                    "group offsets after the commit",
                    admin
                        .listConsumerGroupOffsets("diff-group")
                        .partitionsToOffsetAndMetadata()
                        .get()
                        .get(input));
                producer.commitTransaction();
              }
              try (Admin admin = admin(bootstrap)) {
                await()
                    .atMost(Duration.ofSeconds(30))
                    // 6 records and 3 markers (commit, abort, commit)
                    .until(() -> latest(admin, tp, IsolationLevel.READ_COMMITTED) == 9);
                seen.put(
                    "committed: state",
                    admin
                        .describeTransactions(List.of("diff-tx"))
                        .description("diff-tx")
                        .get()
                        .state()
                        .toString());
              }
              seen.put(
                  "read_committed",
                  readAll(bootstrap, tp, 4, "read_committed").stream().map(Read::value).toList());
              seen.put(
                  "read_uncommitted",
                  readAll(bootstrap, tp, 6, "read_uncommitted").stream()
                      .map(r -> r.offset() + ":" + r.value())
                      .toList());
              try (KafkaProducer<String, String> old = producer(bootstrap, transactional)) {
                old.initTransactions();
                old.beginTransaction();
                old.send(new ProducerRecord<>("txn", 0, "k", "fenced")).get();
                try (KafkaProducer<String, String> next = producer(bootstrap, transactional)) {
                  next.initTransactions();
                }
                seen.put("commit by a fenced producer", errorOf(old::commitTransaction));
              }
              return seen;
            });
    assertThat(observed)
        .containsEntry("read_committed", List.of("c0", "c1", "c2", "open"))
        .containsEntry("commit by a fenced producer", "ProducerFencedException");
  }

  /**
   * Transaction version 2 (KIP-890), the default of a new Kafka 4 cluster, request by request:
   * EndTxn v5 bumping the epoch and its retries, Produce v12 adding its partition, a zombie's write
   * at the old epoch, TxnOffsetCommit v5 without AddOffsetsToTxn, a broker's AddPartitionsToTxn v5
   * with VerifyOnly, and a client of version 1 on the same id.
   */
  @Test
  void transactionVersion2AnswersTheSame() throws Exception {
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("txn2", 1, (short) 1));
          Map<String, String> seen = new TreeMap<>();
          String id = "diff-tv2";
          try (Admin admin = admin(bootstrap)) {
            // Finds the coordinators, so that Kafka creates __transaction_state and
            // __consumer_offsets.
            errorOf(() -> admin.describeTransactions(List.of(id)).all().get(30, TimeUnit.SECONDS));
            admin
                .listConsumerGroupOffsets("g-tv2")
                .partitionsToOffsetAndMetadata()
                .get(60, TimeUnit.SECONDS);
          }
          InitProducerIdResponseData init = null;
          for (int attempt = 0; attempt < 150; attempt++) {
            init =
                (InitProducerIdResponseData)
                    toCoordinator(
                        bootstrap,
                        ApiKeys.INIT_PRODUCER_ID,
                        (short) 5,
                        new InitProducerIdRequestData()
                            .setTransactionalId(id)
                            .setTransactionTimeoutMs(60_000)
                            .setProducerId(-1)
                            .setProducerEpoch((short) -1));
            Errors error = Errors.forCode(init.errorCode());
            // Kafka creates __transaction_state on the first use of a transactional id.
            if (error != Errors.COORDINATOR_NOT_AVAILABLE
                && error != Errors.COORDINATOR_LOAD_IN_PROGRESS
                && error != Errors.NOT_COORDINATOR
                && error != Errors.CONCURRENT_TRANSACTIONS) {
              break;
            }
            Thread.sleep(200);
          }
          long pid = init.producerId();
          assertThat(pid).as("InitProducerId: %s", init).isNotNegative();
          seen.put("01 init", Errors.forCode(init.errorCode()) + " epoch " + init.producerEpoch());
          seen.put("02 produce v12", produce(bootstrap, 12, id, pid, 0, 0, "a"));
          seen.put("03 produce v12 again", produce(bootstrap, 12, id, pid, 0, 1, "b"));
          seen.put("04 commit", endTxn(bootstrap, 5, id, pid, 0, true));
          awaitIdle(bootstrap, id);
          seen.put("05 commit retried", endTxn(bootstrap, 5, id, pid, 0, true));
          seen.put("06 abort retried", endTxn(bootstrap, 5, id, pid, 0, false));
          seen.put("07 zombie produce, old epoch", produce(bootstrap, 12, id, pid, 0, 2, "z"));
          seen.put("08 produce, next epoch", produce(bootstrap, 12, id, pid, 1, 0, "c"));
          seen.put(
              "09 verify only",
              addPartitions(bootstrap, id, pid, 1, true, "txn2", "__consumer_offsets"));
          seen.put("10 offsets v5", txnOffsetCommit(bootstrap, 5, id, pid, 1, "g-tv2", 7));
          seen.put(
              "11 offsets v5, old epoch", txnOffsetCommit(bootstrap, 5, id, pid, 0, "g-tv2", 8));
          seen.put("12 abort", endTxn(bootstrap, 5, id, pid, 1, false));
          awaitIdle(bootstrap, id);
          seen.put("13 commit after abort, old epoch", endTxn(bootstrap, 5, id, pid, 1, true));
          seen.put("14 commit, nothing added", endTxn(bootstrap, 5, id, pid, 2, true));
          seen.put("15 abort, nothing added", endTxn(bootstrap, 5, id, pid, 2, false));
          awaitIdle(bootstrap, id);
          seen.put("16 end, epoch from the future", endTxn(bootstrap, 5, id, pid, 9, false));
          seen.put("17 offsets v5", txnOffsetCommit(bootstrap, 5, id, pid, 3, "g-tv2", 9));
          seen.put("18 produce v12", produce(bootstrap, 12, id, pid, 3, 0, "d"));
          seen.put("19 commit", endTxn(bootstrap, 5, id, pid, 3, true));
          awaitIdle(bootstrap, id);
          // A client of transaction version 1 on the same id: adds, and keeps its epoch.
          seen.put("20 add v3", addPartitions(bootstrap, id, pid, 4, false, "txn2"));
          seen.put("21 produce v11", produce(bootstrap, 11, id, pid, 4, 0, "e"));
          seen.put("22 commit v4", endTxn(bootstrap, 4, id, pid, 4, true));
          awaitIdle(bootstrap, id);
          seen.put("23 commit v4 retried", endTxn(bootstrap, 4, id, pid, 4, true));
          try (Admin admin = admin(bootstrap)) {
            TransactionDescription d =
                admin.describeTransactions(List.of(id)).description(id).get(10, TimeUnit.SECONDS);
            seen.put("24 described", d.state() + " epoch " + d.producerEpoch());
            seen.put(
                "25 group offsets",
                String.valueOf(
                    admin
                        .listConsumerGroupOffsets("g-tv2")
                        .partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS)));
          }
          TopicPartition tp = new TopicPartition("txn2", 0);
          seen.put(
              "26 read_committed",
              readAll(bootstrap, tp, 4, "read_committed").stream()
                  .map(r -> r.offset() + ":" + r.value())
                  .toList()
                  .toString());
          return seen;
        });
  }

  /** A transactional batch of one record through Produce {@code version}: error and offset. */
  private static String produce(
      String bootstrap, int version, String id, long pid, int epoch, int sequence, String value)
      throws Exception {
    MemoryRecords records =
        MemoryRecords.withTransactionalRecords(
            Compression.NONE,
            pid,
            (short) epoch,
            sequence,
            new SimpleRecord(
                System.currentTimeMillis(),
                "k".getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    ProduceRequestData.TopicProduceDataCollection topics =
        new ProduceRequestData.TopicProduceDataCollection();
    topics.add(
        new ProduceRequestData.TopicProduceData()
            .setName("txn2")
            .setPartitionData(
                List.of(
                    new ProduceRequestData.PartitionProduceData()
                        .setIndex(0)
                        .setRecords(records))));
    ProduceResponseData response =
        (ProduceResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.PRODUCE,
                (short) version,
                new ProduceRequestData()
                    .setAcks((short) -1)
                    .setTimeoutMs(10_000)
                    .setTransactionalId(id)
                    .setTopicData(topics));
    ProduceResponseData.PartitionProduceResponse p =
        response.responses().iterator().next().partitionResponses().get(0);
    return Errors.forCode(p.errorCode()) + " at " + p.baseOffset();
  }

  /** EndTxn {@code version}: the error and, from v5, the epoch to go on with (pid unchanged?). */
  private static String endTxn(
      String bootstrap, int version, String id, long pid, int epoch, boolean commit)
      throws Exception {
    EndTxnResponseData r =
        (EndTxnResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.END_TXN,
                (short) version,
                new EndTxnRequestData()
                    .setTransactionalId(id)
                    .setProducerId(pid)
                    .setProducerEpoch((short) epoch)
                    .setCommitted(commit));
    return Errors.forCode(r.errorCode())
        + (version >= 5
            ? " epoch "
                + r.producerEpoch()
                + (r.producerId() == pid ? " same id" : " id " + r.producerId())
            : "");
  }

  /** AddPartitionsToTxn: v5 as a broker sends it with {@code verifyOnly}, else v3 as a client. */
  private static String addPartitions(
      String bootstrap, String id, long pid, int epoch, boolean verifyOnly, String... topics)
      throws Exception {
    AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection collection =
        new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
    for (String topic : topics) {
      collection.add(
          new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic()
              .setName(topic)
              .setPartitions(List.of(0)));
    }
    AddPartitionsToTxnRequestData request = new AddPartitionsToTxnRequestData();
    short version;
    if (verifyOnly) {
      version = 5;
      AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection txns =
          new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
      txns.add(
          new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction()
              .setTransactionalId(id)
              .setProducerId(pid)
              .setProducerEpoch((short) epoch)
              .setVerifyOnly(true)
              .setTopics(collection));
      request.setTransactions(txns);
    } else {
      version = 3;
      request
          .setV3AndBelowTransactionalId(id)
          .setV3AndBelowProducerId(pid)
          .setV3AndBelowProducerEpoch((short) epoch)
          .setV3AndBelowTopics(collection);
    }
    AddPartitionsToTxnResponseData r =
        (AddPartitionsToTxnResponseData)
            toCoordinator(bootstrap, ApiKeys.ADD_PARTITIONS_TO_TXN, version, request);
    Map<String, String> errors = new TreeMap<>();
    var results =
        verifyOnly
            ? r.resultsByTransaction().iterator().next().topicResults()
            : r.resultsByTopicV3AndBelow();
    results.forEach(
        t ->
            t.resultsByPartition()
                .forEach(
                    p ->
                        errors.put(
                            t.name() + "-" + p.partitionIndex(),
                            Errors.forCode(p.partitionErrorCode()).name())));
    return Errors.forCode(r.errorCode()) + " " + errors;
  }

  /** TxnOffsetCommit {@code version} of one offset of partition txn2-0, without a member. */
  private static String txnOffsetCommit(
      String bootstrap, int version, String id, long pid, int epoch, String group, long offset)
      throws Exception {
    TxnOffsetCommitResponseData r = null;
    for (int attempt = 0; attempt < 150; attempt++) {
      r =
          (TxnOffsetCommitResponseData)
              toCoordinator(
                  bootstrap,
                  ApiKeys.TXN_OFFSET_COMMIT,
                  (short) version,
                  new TxnOffsetCommitRequestData()
                      .setTransactionalId(id)
                      .setGroupId(group)
                      .setProducerId(pid)
                      .setProducerEpoch((short) epoch)
                      .setGenerationId(-1)
                      .setMemberId("")
                      .setTopics(
                          List.of(
                              new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic()
                                  .setName("txn2")
                                  .setPartitions(
                                      List.of(
                                          new TxnOffsetCommitRequestData
                                                  .TxnOffsetCommitRequestPartition()
                                              .setPartitionIndex(0)
                                              .setCommittedOffset(offset))))));
      Errors error = Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
      // Kafka creates __consumer_offsets on a group's first use.
      if (error != Errors.COORDINATOR_NOT_AVAILABLE
          && error != Errors.COORDINATOR_LOAD_IN_PROGRESS
          && error != Errors.NOT_COORDINATOR) {
        return error.name();
      }
      Thread.sleep(200);
    }
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode()).name();
  }

  /** Waits until the transaction's markers are written (state CompleteCommit or CompleteAbort). */
  private static void awaitIdle(String bootstrap, String id) throws Exception {
    try (Admin admin = admin(bootstrap)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                String state =
                    admin
                        .describeTransactions(List.of(id))
                        .description(id)
                        .get(10, TimeUnit.SECONDS)
                        .state()
                        .toString();
                return state.startsWith("Complete") || state.equals("Empty");
              });
    }
  }

  private static long latest(Admin admin, TopicPartition tp, IsolationLevel isolation)
      throws Exception {
    return admin
        .listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation))
        .partitionResult(tp)
        .get()
        .offset();
  }

  @Test
  void everyTopicConfigMiniBrokerDescribesIsOneKafkaHas() throws Exception {
    Map<String, Set<String>> names = new LinkedHashMap<>();
    for (Map.Entry<String, String> broker : BOOTSTRAP.entrySet()) {
      names.put(broker.getKey(), topicConfigNames(broker.getValue(), "config-subset"));
    }
    assertThat(names.get(KAFKA)).containsAll(names.get(MINI));
  }

  @Test
  void topicConfigNamesAreTheSame() throws Exception {
    sameOnBoth(bootstrap -> topicConfigNames(bootstrap, "config-names"));
  }

  static Set<String> topicConfigNames(String bootstrap, String name) throws Exception {
    createTopic(bootstrap, new NewTopic(name, 1, (short) 1));
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, name);
    try (Admin admin = admin(bootstrap)) {
      Set<String> names = new TreeSet<>();
      admin
          .describeConfigs(List.of(topic))
          .all()
          .get(10, TimeUnit.SECONDS)
          .get(topic)
          .entries()
          .forEach(e -> names.add(e.name()));
      return names;
    }
  }

  @Test
  void topicConfigsDescribeTheSame() throws Exception {
    List<String> keys =
        List.of(
            "cleanup.policy",
            "retention.ms",
            "retention.bytes",
            "segment.bytes",
            "max.message.bytes");
    sameOnBoth(
        bootstrap -> {
          createTopic(
              bootstrap,
              new NewTopic("configured", 1, (short) 1)
                  .configs(Map.of("cleanup.policy", "compact")));
          ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "configured");
          Map<String, String> described = new TreeMap<>();
          try (Admin admin = admin(bootstrap)) {
            admin
                .incrementalAlterConfigs(
                    Map.of(
                        topic,
                        List.of(
                            new AlterConfigOp(
                                new ConfigEntry("retention.ms", "3600000"),
                                AlterConfigOp.OpType.SET))))
                .all()
                .get(10, TimeUnit.SECONDS);
            KafkaFuture<Map<ConfigResource, org.apache.kafka.clients.admin.Config>> configs =
                admin.describeConfigs(List.of(topic)).all();
            for (ConfigEntry entry : configs.get(10, TimeUnit.SECONDS).get(topic).entries()) {
              if (keys.contains(entry.name())) {
                described.put(
                    entry.name(),
                    entry.value()
                        + " ("
                        + entry.source()
                        + (entry.isDefault() ? ", default" : "")
                        + ")");
              }
            }
          }
          assertThat(described).containsOnlyKeys(keys);
          return described;
        });
  }

  /**
   * Partition reassignment on one node: moving a partition to the node it is on succeeds and leaves
   * nothing in progress; every refusal carries Kafka's error and message; deleting a broker's
   * replication throttles (as {@code kafka-reassign-partitions.sh --verify} does after every
   * reassignment) succeeds.
   */
  @Test
  void reassignmentsAreRefusedAndAcceptedAlike() throws Exception {
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("reassigned", 4, (short) 1));
          Map<String, String> outcome = new TreeMap<>();
          try (Admin admin = admin(bootstrap)) {
            int node = admin.describeCluster().nodes().get().iterator().next().id();
            Map<TopicPartition, Optional<NewPartitionReassignment>> targets = new LinkedHashMap<>();
            targets.put(new TopicPartition("reassigned", 0), reassignTo(node));
            targets.put(new TopicPartition("reassigned", 1), reassignTo(node, 99));
            targets.put(new TopicPartition("reassigned", 2), Optional.empty());
            targets.put(new TopicPartition("reassigned", 3), reassignTo(node, node));
            targets.put(new TopicPartition("reassigned", 9), reassignTo(node));
            targets.put(new TopicPartition("absent", 0), reassignTo(node));
            admin
                .alterPartitionReassignments(targets)
                .values()
                .forEach((tp, result) -> outcome.put(tp.toString(), failureOf(result)));
            admin
                .alterPartitionReassignments(
                    Map.of(new TopicPartition("reassigned", 1), reassignTo(node, 99)),
                    new AlterPartitionReassignmentsOptions().allowReplicationFactorChange(false))
                .values()
                .forEach((tp, result) -> outcome.put(tp + " same RF", failureOf(result)));
            outcome.put(
                "in progress", admin.listPartitionReassignments().reassignments().get().toString());
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "" + node);
            outcome.put(
                "broker throttles deleted",
                failureOf(
                    admin
                        .incrementalAlterConfigs(
                            Map.of(
                                broker,
                                List.of(
                                    new AlterConfigOp(
                                        new ConfigEntry("leader.replication.throttled.rate", ""),
                                        AlterConfigOp.OpType.DELETE))))
                        .all()));
            // The two nodes have different ids (0 and 1).
            outcome.replaceAll((k, v) -> v.replace("broker " + node + " ", "broker <node> "));
          }
          return outcome;
        });
  }

  /**
   * Client quotas: the same checks and messages for bad entities and keys, and the same answers to
   * DescribeClientQuotas filters. (The keys mini-broker does not enforce, which Kafka takes, are
   * left out: ClientQuotasIT shows their refusal.)
   */
  @Test
  void clientQuotasAreCheckedAndDescribedAlike() throws Exception {
    sameOnBoth(
        bootstrap -> {
          Map<String, String> outcome = new TreeMap<>();
          try (Admin admin = admin(bootstrap)) {
            Map<String, ClientQuotaEntity> entities = new LinkedHashMap<>();
            entities.put("client", quotaEntity(ClientQuotaEntity.CLIENT_ID, "reports"));
            entities.put("default client", quotaEntity(ClientQuotaEntity.CLIENT_ID, null));
            entities.put(
                "user and client",
                quotaEntity(
                    ClientQuotaEntity.USER, "alice", ClientQuotaEntity.CLIENT_ID, "reports"));
            entities.put("empty user", quotaEntity(ClientQuotaEntity.USER, ""));
            entities.put("unknown type", quotaEntity("group", "g"));
            entities.put(
                "ip and user",
                quotaEntity(ClientQuotaEntity.IP, "127.0.0.1", ClientQuotaEntity.USER, "alice"));
            for (Map.Entry<String, ClientQuotaEntity> e : entities.entrySet()) {
              outcome.put(
                  "set " + e.getKey(),
                  failureOf(
                      admin
                          .alterClientQuotas(
                              List.of(
                                  new ClientQuotaAlteration(
                                      e.getValue(),
                                      List.of(
                                          new ClientQuotaAlteration.Op(
                                              "producer_byte_rate", 2048.0)))))
                          .all()));
            }
            ClientQuotaEntity client = entities.get("client");
            for (Map.Entry<String, Double> op :
                List.of(
                    Map.entry("producer_byte_rate", 1.5),
                    Map.entry("no_such_rate", 1.0),
                    Map.entry("producer_byte_rate", 0.0),
                    Map.entry("consumer_byte_rate", -5.0),
                    Map.entry("consumer_byte_rate", 1e20))) {
              outcome.put(
                  "set " + op.getKey() + "=" + op.getValue(),
                  failureOf(
                      admin
                          .alterClientQuotas(
                              List.of(
                                  new ClientQuotaAlteration(
                                      client,
                                      List.of(
                                          new ClientQuotaAlteration.Op(
                                              op.getKey(), op.getValue())))))
                          .all()));
            }
            outcome.put(
                "validate only",
                failureOf(
                    admin
                        .alterClientQuotas(
                            List.of(
                                new ClientQuotaAlteration(
                                    quotaEntity(ClientQuotaEntity.CLIENT_ID, "never"),
                                    List.of(
                                        new ClientQuotaAlteration.Op(
                                            "consumer_byte_rate", 1024.0)))),
                            new AlterClientQuotasOptions().validateOnly(true))
                        .all()));
            Map<String, ClientQuotaFilter> filters = new LinkedHashMap<>();
            filters.put("all", ClientQuotaFilter.all());
            filters.put(
                "client reports",
                ClientQuotaFilter.contains(
                    List.of(
                        ClientQuotaFilterComponent.ofEntity(
                            ClientQuotaEntity.CLIENT_ID, "reports"))));
            filters.put(
                "client reports, strict",
                ClientQuotaFilter.containsOnly(
                    List.of(
                        ClientQuotaFilterComponent.ofEntity(
                            ClientQuotaEntity.CLIENT_ID, "reports"))));
            filters.put(
                "default client",
                ClientQuotaFilter.containsOnly(
                    List.of(
                        ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.CLIENT_ID))));
            filters.put(
                "any user",
                ClientQuotaFilter.contains(
                    List.of(ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.USER))));
            filters.put(
                "ip with user",
                ClientQuotaFilter.contains(
                    List.of(
                        ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.IP),
                        ClientQuotaFilterComponent.ofEntityType(ClientQuotaEntity.USER))));
            for (Map.Entry<String, ClientQuotaFilter> f : filters.entrySet()) {
              String described;
              try {
                Map<String, String> entries = new TreeMap<>();
                admin
                    .describeClientQuotas(f.getValue())
                    .entities()
                    .get(10, TimeUnit.SECONDS)
                    .forEach(
                        (entity, values) ->
                            entries.put(
                                new TreeMap<>(entity.entries()).toString(),
                                new TreeMap<>(values).toString()));
                described = entries.toString();
              } catch (ExecutionException e) {
                described =
                    e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
              }
              outcome.put("describe " + f.getKey(), described);
            }
          }
          return outcome;
        });
  }

  /** Neither broker has an authorizer: kafka-acls.sh and the Admin client are told so alike. */
  @Test
  void aclsAreRefusedAlikeWithoutAnAuthorizer() throws Exception {
    sameOnBoth(
        bootstrap -> {
          Map<String, String> outcome = new TreeMap<>();
          try (Admin admin = admin(bootstrap)) {
            AclBinding binding =
                new AclBinding(
                    new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
                    new AccessControlEntry(
                        "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
            outcome.put("describe", failureOf(admin.describeAcls(AclBindingFilter.ANY).values()));
            outcome.put("create", failureOf(admin.createAcls(List.of(binding)).all()));
            outcome.put("delete", failureOf(admin.deleteAcls(List.of(AclBindingFilter.ANY)).all()));
          }
          return outcome;
        });
  }

  @Test
  void consumerGroupProtocolAnswersTheSame() throws Exception {
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("cg-diff", 3, (short) 1));
          // An empty classic group with an offset: what the protocols say of each other's groups.
          try (Admin admin = admin(bootstrap)) {
            admin
                .alterConsumerGroupOffsets(
                    "cg-classic",
                    Map.of(new TopicPartition("cg-diff", 0), new OffsetAndMetadata(0)))
                .all()
                .get(30, TimeUnit.SECONDS);
          }
          Map<String, String> outcome = new TreeMap<>();
          String group = "cg-diff-group";
          String member = "m-" + bootstrap.hashCode();
          outcome.put("empty member id", heartbeat(bootstrap, join(group, "").setMemberId("")));
          outcome.put(
              "no rebalance timeout",
              heartbeat(bootstrap, join(group, member).setRebalanceTimeoutMs(-1)));
          outcome.put(
              "owned partitions on join",
              heartbeat(
                  bootstrap,
                  join(group, member)
                      .setTopicPartitions(
                          List.of(
                              new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                                  .setTopicId(org.apache.kafka.common.Uuid.randomUuid())
                                  .setPartitions(List.of(0))))));
          outcome.put(
              "no subscription",
              heartbeat(bootstrap, join(group, member).setSubscribedTopicNames(null)));
          outcome.put("epoch -3", heartbeat(bootstrap, join(group, member).setMemberEpoch(-3)));
          outcome.put(
              "invalid regex",
              heartbeat(
                  bootstrap,
                  join(group, member).setSubscribedTopicNames(null).setSubscribedTopicRegex("[")));
          outcome.put(
              "unknown assignor",
              heartbeat(bootstrap, join(group, member).setServerAssignor("sticky")));
          outcome.put(
              "member of an unknown group",
              heartbeat(
                  bootstrap, join("cg-ghost", member).setMemberEpoch(3).setTopicPartitions(null)));
          outcome.put(
              "leave unknown group",
              heartbeat(bootstrap, join("cg-nowhere", member).setMemberEpoch(-1)));
          outcome.put("join a classic group", heartbeat(bootstrap, join("cg-classic", member)));
          outcome.put("join", heartbeat(bootstrap, join(group, member)));
          // A member the group does not know.
          outcome.put(
              "unknown member",
              heartbeat(
                  bootstrap, join(group, "nobody").setMemberEpoch(1).setTopicPartitions(null)));
          outcome.put(
              "greater epoch",
              heartbeat(bootstrap, join(group, member).setMemberEpoch(7).setTopicPartitions(null)));
          outcome.put(
              "steady",
              heartbeat(
                  bootstrap,
                  new ConsumerGroupHeartbeatRequestData()
                      .setGroupId(group)
                      .setMemberId(member)
                      .setMemberEpoch(1)));
          outcome.put(
              "describe", describeConsumerGroups(bootstrap, group, "cg-classic", "cg-none"));
          outcome.put("classic describe", describeClassicGroup(bootstrap, group));
          outcome.put("commit stale epoch", commit(bootstrap, group, member, 2, (short) 9));
          outcome.put("commit old version", commit(bootstrap, group, member, 1, (short) 8));
          outcome.put("commit", commit(bootstrap, group, member, 1, (short) 9));
          outcome.put(
              "leave",
              heartbeat(
                  bootstrap,
                  new ConsumerGroupHeartbeatRequestData()
                      .setGroupId(group)
                      .setMemberId(member)
                      .setMemberEpoch(-1)));
          // Static members: an instance id held, released for now, taken over, fenced.
          String statics = "cg-diff-static";
          outcome.put(
              "static join", heartbeat(bootstrap, join(statics, "static-1").setInstanceId("i1")));
          outcome.put(
              "static join, instance id held",
              heartbeat(bootstrap, join(statics, "static-2").setInstanceId("i1")));
          outcome.put(
              "static leave for now",
              heartbeat(
                  bootstrap,
                  join(statics, "static-1")
                      .setInstanceId("i1")
                      .setMemberEpoch(-2)
                      .setTopicPartitions(null)));
          outcome.put(
              "static join, instance id released",
              heartbeat(bootstrap, join(statics, "static-2").setInstanceId("i1")));
          outcome.put(
              "old incarnation heartbeats",
              heartbeat(
                  bootstrap,
                  join(statics, "static-1")
                      .setInstanceId("i1")
                      .setMemberEpoch(1)
                      .setTopicPartitions(null)));
          outcome.put(
              "unknown instance id",
              heartbeat(
                  bootstrap,
                  join(statics, "static-2")
                      .setInstanceId("i9")
                      .setMemberEpoch(1)
                      .setTopicPartitions(null)));
          outcome.put(
              "old incarnation leaves",
              heartbeat(
                  bootstrap,
                  join(statics, "static-1")
                      .setInstanceId("i1")
                      .setMemberEpoch(-1)
                      .setTopicPartitions(null)));
          return outcome;
        });
  }

  @Test
  void groupsChangeProtocolWhileTheyRunAlike() throws Exception {
    sameOnBoth(
        bootstrap -> {
          createTopic(bootstrap, new NewTopic("cg-mig", 2, (short) 1));
          Map<String, String> outcome = new TreeMap<>();
          String group = "cg-mix";
          try (Admin admin = admin(bootstrap)) {
            // Finds the coordinator, so that Kafka creates __consumer_offsets.
            admin
                .listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(60, TimeUnit.SECONDS);
          }
          // A consumer group with one member, then a classic member joins it.
          outcome.put(
              "1 consumer joins",
              heartbeat(bootstrap, join(group, "c-1").setSubscribedTopicNames(List.of("cg-mig"))));
          JoinGroupResponseData first = classicJoin(bootstrap, group, "", List.of());
          outcome.put("2 classic join, no id", Errors.forCode(first.errorCode()).name());
          JoinGroupResponseData joined = classicJoin(bootstrap, group, first.memberId(), List.of());
          String classic = joined.memberId();
          outcome.put("3 classic join", describeJoin(joined));
          outcome.put("4 classic sync", classicSync(bootstrap, group, classic, joined));
          outcome.put(
              "5 classic heartbeat",
              classicHeartbeat(bootstrap, group, classic, joined.generationId()));
          outcome.put(
              "5 classic heartbeat, wrong generation",
              classicHeartbeat(bootstrap, group, classic, joined.generationId() + 5));
          // The consumer member gives up what the classic one gets.
          ConsumerGroupHeartbeatResponseData revoke =
              (ConsumerGroupHeartbeatResponseData)
                  toCoordinator(
                      bootstrap,
                      ApiKeys.CONSUMER_GROUP_HEARTBEAT,
                      (short) 1,
                      new ConsumerGroupHeartbeatRequestData()
                          .setGroupId(group)
                          .setMemberId("c-1")
                          .setMemberEpoch(1)
                          .setTopicPartitions(
                              List.of(
                                  new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                                      .setTopicId(topicId(bootstrap, "cg-mig"))
                                      .setPartitions(List.of(0, 1)))));
          List<ConsumerGroupHeartbeatRequestData.TopicPartitions> keeps =
              revoke.assignment() == null
                  ? List.of()
                  : revoke.assignment().topicPartitions().stream()
                      .map(
                          t ->
                              new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                                  .setTopicId(t.topicId())
                                  .setPartitions(t.partitions()))
                      .toList();
          outcome.put(
              "6 consumer told to revoke",
              Errors.forCode(revoke.errorCode())
                  + " epoch "
                  + revoke.memberEpoch()
                  + " keeps "
                  + keeps.stream().mapToInt(t -> t.partitions().size()).sum()
                  + (revoke.assignment() == null ? " (no assignment)" : ""));
          outcome.put(
              "7 consumer revoked",
              heartbeat(
                      bootstrap,
                      new ConsumerGroupHeartbeatRequestData()
                          .setGroupId(group)
                          .setMemberId("c-1")
                          .setMemberEpoch(revoke.memberEpoch())
                          .setTopicPartitions(keeps))
                  .replaceAll("partitions \\[\\d\\]", "one partition"));
          outcome.put(
              "8 classic heartbeat, partition released",
              classicHeartbeat(bootstrap, group, classic, joined.generationId()));
          JoinGroupResponseData rejoined = classicJoin(bootstrap, group, classic, List.of());
          outcome.put("9 classic rejoins", describeJoin(rejoined));
          outcome.put("10 classic sync", classicSync(bootstrap, group, classic, rejoined));
          outcome.put(
              "11 describe",
              describeConsumerGroups(bootstrap, group)
                  .replaceAll("cg-mig\\[\\d\\]", "cg-mig[one]"));
          outcome.put(
              "12 classic commit",
              classicCommit(bootstrap, group, classic, rejoined.generationId()));
          outcome.put(
              "12 classic commit, wrong generation",
              classicCommit(bootstrap, group, classic, rejoined.generationId() + 1));
          // The last consumer member leaves: the group is classic again and rebalances.
          outcome.put(
              "13 consumer leaves",
              heartbeat(
                  bootstrap,
                  new ConsumerGroupHeartbeatRequestData()
                      .setGroupId(group)
                      .setMemberId("c-1")
                      .setMemberEpoch(-1)));
          outcome.put("14 classic describe", describeClassicGroup(bootstrap, group));
          outcome.put(
              "15 classic heartbeat after the downgrade",
              classicHeartbeat(bootstrap, group, classic, rejoined.generationId()));
          return outcome;
        });
  }

  /**
   * Feature levels (KIP-584) of the two features mini-broker implements (Kafka lists more): what
   * describeFeatures shows, UpdateFeatures' refusals with Kafka's errors and messages,
   * validate-only, a downgrade and an upgrade of transaction.version, group.version turned off (and
   * with it the consumer group protocol) and on again; and on the wire, ApiVersions v3 and v4 and
   * two UpdateFeatures requests the Admin client cannot send (v0 with AllowDowngrade, a feature
   * named twice). The levels found are restored at the end. Kafka's epoch is its metadata offset,
   * so only whether it grew is compared.
   */
  @Test
  void featuresAreDescribedAndUpdatedAlike() throws Exception {
    sameOnBoth(
        bootstrap -> {
          Map<String, String> outcome = new LinkedHashMap<>();
          try (Admin admin = admin(bootstrap)) {
            FeatureMetadata found = describe(admin);
            outcome.put("0 found", features(found));
            try {
              outcome.put("1 upgrade to 2", update(admin, TXN_VERSION, 2, UPGRADE));
              FeatureMetadata atTwo = awaitLevel(admin, TXN_VERSION, 2);
              outcome.put("1 described", features(atTwo));
              outcome.put("2 unknown feature", update(admin, "no.such", 1, UPGRADE));
              outcome.put("2 unknown feature off", update(admin, "no.such", 0, SAFE_DOWNGRADE));
              outcome.put("2 above the range", update(admin, TXN_VERSION, 3, UPGRADE));
              outcome.put("2 group.version above", update(admin, GROUP_VERSION, 2, UPGRADE));
              outcome.put("2 downgrade as upgrade", update(admin, TXN_VERSION, 1, UPGRADE));
              outcome.put("2 unknown upgrade type", update(admin, TXN_VERSION, 1, UNKNOWN));
              outcome.put(
                  "3 one refused of two",
                  failureOf(
                      admin
                          .updateFeatures(
                              Map.of(
                                  TXN_VERSION,
                                  new FeatureUpdate((short) 1, SAFE_DOWNGRADE),
                                  GROUP_VERSION,
                                  new FeatureUpdate((short) 2, UPGRADE)),
                              new UpdateFeaturesOptions())
                          .all()));
              outcome.put(
                  "4 validate-only downgrades to 0",
                  failureOf(
                      admin
                          .updateFeatures(
                              Map.of(
                                  TXN_VERSION,
                                  new FeatureUpdate((short) 0, SAFE_DOWNGRADE),
                                  GROUP_VERSION,
                                  new FeatureUpdate((short) 0, UNSAFE_DOWNGRADE)),
                              new UpdateFeaturesOptions().validateOnly(true))
                          .all()));
              outcome.put("4 described", features(describe(admin)));
              outcome.put(
                  "5 v0 downgrade with AllowDowngrade",
                  updateFeatures(
                      bootstrap,
                      (short) 0,
                      false,
                      new FeatureUpdateKey()
                          .setFeature(TXN_VERSION)
                          .setMaxVersionLevel((short) 1)
                          .setAllowDowngrade(true)));
              outcome.put(
                  "5 v1 feature named twice, validate only",
                  updateFeatures(
                      bootstrap,
                      (short) 1,
                      true,
                      new FeatureUpdateKey()
                          .setFeature(TXN_VERSION)
                          .setMaxVersionLevel((short) 1)
                          .setUpgradeType(SAFE_DOWNGRADE.code()),
                      new FeatureUpdateKey()
                          .setFeature(TXN_VERSION)
                          .setMaxVersionLevel((short) 2)
                          .setUpgradeType(UPGRADE.code())));
              outcome.put("5 v3 ApiVersions", apiVersionsFeatures(bootstrap, (short) 3));
              outcome.put("5 v4 ApiVersions", apiVersionsFeatures(bootstrap, (short) 4));

              outcome.put("6 downgrade to 1", update(admin, TXN_VERSION, 1, SAFE_DOWNGRADE));
              FeatureMetadata atOne = awaitLevel(admin, TXN_VERSION, 1);
              outcome.put("6 described", features(atOne));
              outcome.put("6 epoch grew", "" + grew(atTwo, atOne));
              outcome.put(
                  "6 downgrade to a newer level", update(admin, TXN_VERSION, 2, SAFE_DOWNGRADE));
              outcome.put("7 upgrade to 2", update(admin, TXN_VERSION, 2, UPGRADE));
              FeatureMetadata back = awaitLevel(admin, TXN_VERSION, 2);
              outcome.put("7 described", features(back));
              outcome.put("7 epoch grew", "" + grew(atOne, back));

              outcome.put("8 group.version off", update(admin, GROUP_VERSION, 0, SAFE_DOWNGRADE));
              outcome.put("8 described", features(awaitLevel(admin, GROUP_VERSION, 0)));
              outcome.put(
                  "8 consumer group heartbeat",
                  heartbeat(bootstrap, join("features-cg", "features-member")));
              outcome.put(
                  "8 consumer group describe", describeConsumerGroups(bootstrap, "features-cg"));
              outcome.put("9 group.version on", update(admin, GROUP_VERSION, 1, UPGRADE));
              outcome.put("9 described", features(awaitLevel(admin, GROUP_VERSION, 1)));
            } finally {
              for (String feature : List.of(TXN_VERSION, GROUP_VERSION)) {
                short level = finalizedLevel(found, feature);
                short now = finalizedLevel(describe(admin), feature);
                if (now != level) {
                  update(admin, feature, level, level < now ? SAFE_DOWNGRADE : UPGRADE);
                  awaitLevel(admin, feature, level);
                }
              }
            }
          }
          // The nodes have different ids (0 and 1).
          outcome.replaceAll(
              (k, v) -> v.replaceAll("Local controller \\d+", "Local controller <node>"));
          return outcome;
        });
  }

  static final String TXN_VERSION = "transaction.version";
  static final String GROUP_VERSION = "group.version";

  /** "ok", or why the Admin client's updateFeatures of one feature failed. */
  private static String update(
      Admin admin, String feature, int level, FeatureUpdate.UpgradeType type) {
    return failureOf(
        admin
            .updateFeatures(
                Map.of(feature, new FeatureUpdate((short) level, type)),
                new UpdateFeaturesOptions())
            .all());
  }

  private static FeatureMetadata describe(Admin admin) throws Exception {
    return admin.describeFeatures().featureMetadata().get(10, TimeUnit.SECONDS);
  }

  private static short finalizedLevel(FeatureMetadata features, String feature) {
    FinalizedVersionRange range = features.finalizedFeatures().get(feature);
    return range == null ? 0 : range.maxVersionLevel();
  }

  /**
   * The features once {@code feature} is at {@code level}: Kafka's broker learns a change from its
   * controller's log a moment after the controller answers.
   */
  private static FeatureMetadata awaitLevel(Admin admin, String feature, int level) {
    return await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> describe(admin), f -> finalizedLevel(f, feature) == level);
  }

  private static boolean grew(FeatureMetadata before, FeatureMetadata after) {
    return after.finalizedFeaturesEpoch().orElse(-1L) > before.finalizedFeaturesEpoch().orElse(-1L);
  }

  /** The two features mini-broker implements, as describeFeatures shows them. */
  private static String features(FeatureMetadata described) {
    Map<String, String> shown = new TreeMap<>();
    for (String feature : List.of(TXN_VERSION, GROUP_VERSION)) {
      shown.put(
          feature,
          "supported "
              + described.supportedFeatures().get(feature)
              + " finalized "
              + described.finalizedFeatures().get(feature));
    }
    return shown + " epoch present " + described.finalizedFeaturesEpoch().isPresent();
  }

  private static String updateFeatures(
      String bootstrap, short version, boolean validateOnly, FeatureUpdateKey... updates)
      throws Exception {
    UpdateFeaturesRequestData.FeatureUpdateKeyCollection keys =
        new UpdateFeaturesRequestData.FeatureUpdateKeyCollection();
    for (FeatureUpdateKey update : updates) {
      keys.mustAdd(update);
    }
    UpdateFeaturesResponseData r =
        (UpdateFeaturesResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.UPDATE_FEATURES,
                version,
                new UpdateFeaturesRequestData()
                    .setFeatureUpdates(keys)
                    .setValidateOnly(validateOnly));
    return Errors.forCode(r.errorCode())
        + " "
        + r.errorMessage()
        + " "
        + r.results().stream()
            .map(f -> f.feature() + " " + Errors.forCode(f.errorCode()) + " " + f.errorMessage())
            .toList();
  }

  /** The two features in a raw ApiVersions answer, and whether it has a features epoch. */
  private static String apiVersionsFeatures(String bootstrap, short version) throws Exception {
    ApiVersionsResponseData r =
        (ApiVersionsResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.API_VERSIONS,
                version,
                new ApiVersionsRequestData()
                    .setClientSoftwareName("differential")
                    .setClientSoftwareVersion("1.0"));
    Set<String> ours = Set.of(TXN_VERSION, GROUP_VERSION);
    return "supported "
        + r.supportedFeatures().stream()
            .filter(f -> ours.contains(f.name()))
            .map(f -> f.name() + " " + f.minVersion() + "-" + f.maxVersion())
            .sorted()
            .toList()
        + " finalized "
        + r.finalizedFeatures().stream()
            .filter(f -> ours.contains(f.name()))
            .map(f -> f.name() + " " + f.minVersionLevel() + "-" + f.maxVersionLevel())
            .sorted()
            .toList()
        + " epoch "
        + (r.finalizedFeaturesEpoch() >= 0 ? "present" : r.finalizedFeaturesEpoch());
  }

  /** A classic JoinGroup v9 of a consumer (range) subscribing to cg-mig. */
  private static JoinGroupResponseData classicJoin(
      String bootstrap, String group, String memberId, List<TopicPartition> owned)
      throws Exception {
    java.nio.ByteBuffer subscription =
        ConsumerProtocol.serializeSubscription(
            new ConsumerPartitionAssignor.Subscription(List.of("cg-mig"), null, owned));
    byte[] metadata = new byte[subscription.remaining()];
    subscription.get(metadata);
    JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
        new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
    protocols.add(
        new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
    return (JoinGroupResponseData)
        toCoordinator(
            bootstrap,
            ApiKeys.JOIN_GROUP,
            (short) 9,
            new JoinGroupRequestData()
                .setGroupId(group)
                .setMemberId(memberId)
                .setProtocolType("consumer")
                .setSessionTimeoutMs(30_000)
                .setRebalanceTimeoutMs(30_000)
                .setProtocols(protocols)
                .setReason(""));
  }

  private static String describeJoin(JoinGroupResponseData r) {
    return Errors.forCode(r.errorCode())
        + " generation "
        + r.generationId()
        + " protocol "
        + r.protocolType()
        + "/"
        + r.protocolName()
        + " leader '"
        + (r.leader().equals(r.memberId()) ? "itself" : r.leader())
        + "' members "
        + r.members().size()
        + " skip "
        + r.skipAssignment();
  }

  private static String classicSync(
      String bootstrap, String group, String memberId, JoinGroupResponseData joined)
      throws Exception {
    SyncGroupResponseData r =
        (SyncGroupResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.SYNC_GROUP,
                (short) 5,
                new SyncGroupRequestData()
                    .setGroupId(group)
                    .setMemberId(memberId)
                    .setGenerationId(joined.generationId())
                    .setProtocolType("consumer")
                    .setProtocolName(joined.protocolName()));
    String answer = Errors.forCode(r.errorCode()).name();
    if (r.errorCode() == 0) {
      answer +=
          " partitions "
              + ConsumerProtocol.deserializeAssignment(java.nio.ByteBuffer.wrap(r.assignment()))
                  .partitions()
                  .size();
    }
    return answer;
  }

  private static String classicHeartbeat(
      String bootstrap, String group, String memberId, int generation) throws Exception {
    HeartbeatResponseData r =
        (HeartbeatResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.HEARTBEAT,
                (short) 4,
                new HeartbeatRequestData()
                    .setGroupId(group)
                    .setMemberId(memberId)
                    .setGenerationId(generation));
    return Errors.forCode(r.errorCode()).name();
  }

  private static String classicCommit(
      String bootstrap, String group, String memberId, int generation) throws Exception {
    OffsetCommitResponseData r =
        (OffsetCommitResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.OFFSET_COMMIT,
                (short) 8,
                new OffsetCommitRequestData()
                    .setGroupId(group)
                    .setMemberId(memberId)
                    .setGenerationIdOrMemberEpoch(generation)
                    .setTopics(
                        List.of(
                            new OffsetCommitRequestData.OffsetCommitRequestTopic()
                                .setName("cg-mig")
                                .setPartitions(
                                    List.of(
                                        new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                            .setPartitionIndex(0)
                                            .setCommittedOffset(0))))));
    return r.topics().stream()
        .flatMap(t -> t.partitions().stream())
        .map(p -> Errors.forCode(p.errorCode()).name())
        .toList()
        .toString();
  }

  private static org.apache.kafka.common.Uuid topicId(String bootstrap, String topic)
      throws Exception {
    try (Admin admin = admin(bootstrap)) {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(30, TimeUnit.SECONDS)
          .get(topic)
          .topicId();
    }
  }

  /** A first ConsumerGroupHeartbeat (epoch 0) subscribing to cg-diff. */
  private static ConsumerGroupHeartbeatRequestData join(String group, String member) {
    return new ConsumerGroupHeartbeatRequestData()
        .setGroupId(group)
        .setMemberId(member)
        .setMemberEpoch(0)
        .setRebalanceTimeoutMs(30_000)
        .setSubscribedTopicNames(List.of("cg-diff"))
        .setTopicPartitions(List.of());
  }

  /** A heartbeat's answer, without what differs by nature (member ids, topic ids). */
  private static String heartbeat(String bootstrap, ConsumerGroupHeartbeatRequestData request)
      throws Exception {
    ConsumerGroupHeartbeatResponseData r =
        (ConsumerGroupHeartbeatResponseData)
            toCoordinator(bootstrap, ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1, request);
    String answer = Errors.forCode(r.errorCode()) + " " + r.errorMessage();
    if (r.errorCode() == 0) {
      answer +=
          " epoch "
              + r.memberEpoch()
              + " interval "
              + r.heartbeatIntervalMs()
              + " member "
              + (request.memberId().equals(r.memberId()) ? "as sent" : r.memberId());
      if (r.assignment() != null) {
        answer +=
            " partitions "
                + r.assignment().topicPartitions().stream()
                    .flatMap(t -> t.partitions().stream())
                    .sorted()
                    .toList();
      }
    }
    return answer;
  }

  private static String describeConsumerGroups(String bootstrap, String... groups)
      throws Exception {
    ConsumerGroupDescribeResponseData r =
        (ConsumerGroupDescribeResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.CONSUMER_GROUP_DESCRIBE,
                (short) 1,
                new ConsumerGroupDescribeRequestData().setGroupIds(List.of(groups)));
    List<String> described = new ArrayList<>();
    for (ConsumerGroupDescribeResponseData.DescribedGroup g : r.groups()) {
      described.add(
          g.groupId()
              + " "
              + Errors.forCode(g.errorCode())
              + " "
              + g.errorMessage()
              + " state "
              + g.groupState()
              + " epochs "
              + g.groupEpoch()
              + "/"
              + g.assignmentEpoch()
              + " assignor "
              + g.assignorName()
              + " members "
              + g.members().stream()
                  .map(
                      m ->
                          m.memberEpoch()
                              + ":"
                              + m.subscribedTopicNames()
                              + ":"
                              + m.memberType()
                              + ":"
                              + m.assignment().topicPartitions().stream()
                                  .map(t -> t.topicName() + t.partitions())
                                  .toList())
                  .sorted() // in no particular order on Kafka
                  .toList());
    }
    return described.toString();
  }

  private static String describeClassicGroup(String bootstrap, String group) throws Exception {
    DescribeGroupsResponseData r =
        (DescribeGroupsResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.DESCRIBE_GROUPS,
                (short) 6,
                new DescribeGroupsRequestData().setGroups(List.of(group)));
    DescribeGroupsResponseData.DescribedGroup g = r.groups().get(0);
    return Errors.forCode(g.errorCode()) + " " + g.errorMessage() + " state " + g.groupState();
  }

  private static String commit(
      String bootstrap, String group, String member, int epoch, short version) throws Exception {
    OffsetCommitResponseData r =
        (OffsetCommitResponseData)
            toCoordinator(
                bootstrap,
                ApiKeys.OFFSET_COMMIT,
                version,
                new OffsetCommitRequestData()
                    .setGroupId(group)
                    .setMemberId(member)
                    .setGenerationIdOrMemberEpoch(epoch)
                    .setTopics(
                        List.of(
                            new OffsetCommitRequestData.OffsetCommitRequestTopic()
                                .setName("cg-diff")
                                .setPartitions(
                                    List.of(
                                        new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                            .setPartitionIndex(0)
                                            .setCommittedOffset(1))))));
    return r.topics().stream()
        .flatMap(t -> t.partitions().stream())
        .map(p -> Errors.forCode(p.errorCode()).name())
        .toList()
        .toString();
  }

  /**
   * Sends one request to a single-broker cluster's group coordinator (its only broker) over a
   * socket of its own and returns the answer, retrying while the coordinator is still loading
   * (Kafka creates {@code __consumer_offsets} on first use).
   */
  private static ApiMessage toCoordinator(
      String bootstrap, ApiKeys key, short version, ApiMessage request) throws Exception {
    String[] hostPort = bootstrap.split(",")[0].split(":");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      ApiMessage response;
      try (java.net.Socket socket =
          new java.net.Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
        socket.setSoTimeout(10_000);
        RequestHeader header = new RequestHeader(key, version, "differential", 1);
        java.nio.ByteBuffer frame =
            RequestUtils.serialize(header.data(), header.headerVersion(), request, version);
        java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
        out.writeInt(frame.remaining());
        out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
        out.flush();
        java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
        byte[] answer = new byte[in.readInt()];
        in.readFully(answer);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(answer);
        ResponseHeader.parse(buffer, key.responseHeaderVersion(version));
        response =
            AbstractResponse.parseResponse(key, new ByteBufferAccessor(buffer), version).data();
      }
      if (!coordinatorNotReady(response) || System.nanoTime() > deadline) {
        return response;
      }
      Thread.sleep(200);
    }
  }

  private static boolean coordinatorNotReady(ApiMessage response) {
    Set<Errors> loading =
        Set.of(
            Errors.COORDINATOR_NOT_AVAILABLE,
            Errors.COORDINATOR_LOAD_IN_PROGRESS,
            Errors.NOT_COORDINATOR);
    return response.apiKey() == ApiKeys.CONSUMER_GROUP_HEARTBEAT.id
        && loading.contains(
            Errors.forCode(((ConsumerGroupHeartbeatResponseData) response).errorCode()));
  }

  private static ClientQuotaEntity quotaEntity(String... typeAndName) {
    Map<String, String> parts = new HashMap<>();
    for (int i = 0; i < typeAndName.length; i += 2) {
      parts.put(typeAndName[i], typeAndName[i + 1]);
    }
    return new ClientQuotaEntity(parts);
  }

  private static Optional<NewPartitionReassignment> reassignTo(Integer... replicas) {
    return Optional.of(new NewPartitionReassignment(List.of(replicas)));
  }

  /** "ok", or the failure's exception class and message. */
  private static String failureOf(KafkaFuture<?> result) {
    try {
      result.get(10, TimeUnit.SECONDS);
      return "ok";
    } catch (ExecutionException e) {
      return e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
    } catch (Exception e) {
      return e.toString();
    }
  }
}
