package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unmodified Kafka Streams application against mini-broker: a word count with a repartition
 * topic and a RocksDB store backed by a compacted changelog topic, both created by Streams itself.
 * Streams purges its repartition topic as it goes (DeleteRecords). A second instance with an empty
 * state directory must restore the counts from the changelog and carry on counting. With {@code
 * processing.guarantee=exactly_once_v2} the same application writes its output, changelog and
 * offsets in transactions.
 */
@Timeout(180)
class KafkaStreamsIT {

  private static final String INPUT = "lines";
  private static final String OUTPUT = "word-counts";
  private static final String APP = "word-count";

  @TempDir Path dir;
  Broker broker;

  @BeforeEach
  void start() throws Exception {
    broker = RunningBroker.start(dir.resolve("broker"));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(new NewTopic(INPUT, 3, (short) 1), new NewTopic(OUTPUT, 3, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void wordCountSurvivesALostStateDirectory() throws Exception {
    Map<String, Long> counts = new TreeMap<>();
    KafkaStreams first = wordCount(dir.resolve("state-1"));
    try {
      first.start();
      send("the quick brown fox", "the lazy dog", "the end");
      awaitCounts(counts, Map.of("the", 3L, "quick", 1L, "dog", 1L, "end", 1L));
      // Streams deletes what it has consumed from its repartition topic (DeleteRecords).
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(earliestOffsets(APP + "-counts-repartition")).isPositive());
    } finally {
      leave(first);
    }
    // The three lines are committed, so the next instance reads only new ones: a count that goes
    // on from 3 must come from the store, restored from its changelog into an empty directory.
    assertThat(committedInputRecords()).isEqualTo(3);
    KafkaStreams second = wordCount(dir.resolve("state-2"));
    try {
      second.start();
      send("the fox again", "end");
      awaitCounts(counts, Map.of("the", 4L, "fox", 2L, "again", 1L, "end", 2L, "lazy", 1L));
    } finally {
      leave(second);
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      assertThat(topics)
          .contains(APP + "-counts-repartition", APP + "-counts-changelog", INPUT, OUTPUT);
      ConfigResource changelog =
          new ConfigResource(ConfigResource.Type.TOPIC, APP + "-counts-changelog");
      Config configs =
          admin.describeConfigs(List.of(changelog)).all().get(30, TimeUnit.SECONDS).get(changelog);
      assertThat(configs.get("cleanup.policy").value()).isEqualTo("compact");
    }
  }

  @Test
  void exactlyOnceV2CountsEachWordOnceInTransactions() throws Exception {
    Properties props = wordCountProperties(dir.resolve("state-eos"));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    KafkaStreams streams = new KafkaStreams(wordCountTopology(), props);
    Map<String, Long> counts = new TreeMap<>();
    try {
      streams.start();
      send("the quick brown fox", "the lazy dog", "the end");
      awaitCounts(counts, Map.of("the", 3L, "quick", 1L, "dog", 1L, "end", 1L));
    } finally {
      leave(streams);
    }
    assertThat(committedInputRecords()).isEqualTo(3);
    // The counts were written in transactions: their partitions' producers carry the epoch of the
    // coordinator that wrote their markers.
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      List<TopicPartition> output = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        output.add(new TopicPartition(OUTPUT, p));
      }
      assertThat(
              admin.describeProducers(output).all().get(30, TimeUnit.SECONDS).values().stream()
                  .flatMap(d -> d.activeProducers().stream()))
          .isNotEmpty()
          .allSatisfy(
              producer ->
                  assertThat(producer.coordinatorEpoch().orElse(-1)).isGreaterThanOrEqualTo(0));
    }
  }

  /**
   * Closes and leaves the group. Streams keeps its members in the group on close; for a static
   * member, {@code leaveGroup} removes it with the admin client (LeaveGroup naming its instance
   * id), so the next instance need not wait for the session timeout.
   */
  private static void leave(KafkaStreams streams) {
    streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
  }

  /** The sum of the earliest offsets of the topic's partitions. */
  private long earliestOffsets(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < 3; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.earliest());
      }
      return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(ListOffsetsResultInfo::offset)
          .sum();
    }
  }

  private long committedInputRecords() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      return admin
          .listConsumerGroupOffsets(APP)
          .partitionsToOffsetAndMetadata()
          .get(30, TimeUnit.SECONDS)
          .entrySet()
          .stream()
          .filter(e -> e.getKey().topic().equals(INPUT))
          .mapToLong(e -> e.getValue().offset())
          .sum();
    }
  }

  private KafkaStreams wordCount(Path stateDir) {
    return new KafkaStreams(wordCountTopology(), wordCountProperties(stateDir));
  }

  private static Topology wordCountTopology() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.split(" ")))
        .groupBy(
            (key, word) -> word,
            Grouped.<String, String>as("counts")
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .to(OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));
    return builder.build();
  }

  private Properties wordCountProperties(Path stateDir) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.REPARTITION_PURGE_INTERVAL_MS_CONFIG, 100);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), "instance-1");
    return props;
  }

  private void send(String... lines) throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new StringSerializer(),
            new StringSerializer())) {
      for (String line : lines) {
        producer.send(new ProducerRecord<>(INPUT, line)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Reads the output topic from the start (read_committed) into {@code counts} until it shows
   * {@code expected}.
   */
  private void awaitCounts(Map<String, Long> counts, Map<String, Long> expected) {
    Map<String, Object> props =
        Map.of(
            "bootstrap.servers",
            broker.bootstrapServers(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.GROUP_ID_CONFIG,
            "checker-" + System.nanoTime(),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    try (KafkaConsumer<String, Long> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new LongDeserializer())) {
      consumer.subscribe(List.of(OUTPUT));
      await()
          .atMost(Duration.ofSeconds(90))
          .untilAsserted(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> counts.put(r.key(), r.value()));
                assertThat(counts).containsAllEntriesOf(expected);
              });
    }
  }
}
