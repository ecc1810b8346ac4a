package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KafkaJS 2.2.4 (Node.js), which speaks only old non-flexible protocol versions, against
 * mini-broker: its producer (idempotent, plain and gzip) and a two-member consumer group, driven by
 * the scripts in {@code src/test/js}. The Java client cross-checks what KafkaJS wrote.
 */
class KafkaJsIT {

  static final Path OUTPUT = ChildProcess.outputDir(KafkaJsIT.class);
  static final Path SCRIPTS = Path.of("src", "test", "js").toAbsolutePath();
  static final Duration TIMEOUT = Duration.ofSeconds(90);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Broker broker;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = RunningBroker.start(dir.resolve("logs"));
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @BeforeEach
  void requireNodeAndKafkaJs() {
    RequiredProgram.require("node", "install Node.js (apt-get install -y nodejs npm)");
    RequiredProgram.require(
        Files.isDirectory(SCRIPTS.resolve("node_modules").resolve("kafkajs")),
        "KafkaJS",
        "run npm ci in mini-broker/src/test/js (.ci/run does)");
  }

  /** Runs a script; returns its JSON lines grouped by their "step". */
  Map<String, List<JsonNode>> node(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", SCRIPTS.resolve(script).toString()));
    command.add(broker.bootstrapServers());
    command.addAll(List.of(args));
    ChildProcess.Finished finished;
    try (ChildProcess process = ChildProcess.start(OUTPUT, Map.of(), command, null)) {
      finished = process.awaitExit(TIMEOUT).assertSucceeded();
    }
    Map<String, List<JsonNode>> steps = new HashMap<>();
    for (String line : finished.stdoutLines()) {
      if (line.startsWith("{\"step\"")) {
        JsonNode node = JSON.readTree(line);
        steps
            .computeIfAbsent(node.get("step").asText(), k -> new ArrayList<>())
            .add(node.get("value"));
      }
    }
    assertThat(steps).as("script output:%n%s", finished.stdout()).containsKey("done");
    return steps;
  }

  @Test
  void producerWritesWhatTheJavaClientReadsOnTheJavaDefaultPartitions() throws Exception {
    String topic = "kafkajs-produced";
    Map<String, List<JsonNode>> steps = node("produce.js", topic);

    // Per partition, the gzip send starts where the plain send ended.
    Map<Integer, Long> firstBase = new HashMap<>();
    for (JsonNode p : steps.get("sent").get(0)) {
      assertThat(p.get("errorCode").asInt()).isZero();
      firstBase.put(p.get("partition").asInt(), p.get("baseOffset").asLong());
    }
    assertThat(firstBase.values()).containsOnly(0L);
    long highSum = 0;
    for (JsonNode p : steps.get("offsets").get(0)) {
      highSum += p.get("high").asLong();
      assertThat(p.get("low").asLong()).isZero();
    }
    assertThat(highSum).isEqualTo(60);

    List<ConsumerRecord<String, String>> records = readAll(topic, 3, 60);
    assertThat(records).hasSize(60);
    for (ConsumerRecord<String, String> record : records) {
      byte[] key = record.key().getBytes(StandardCharsets.UTF_8);
      assertThat(record.partition())
          .as("KafkaJS's default partitioner agrees with Java's for key %s", record.key())
          .isEqualTo(Utils.toPositive(Utils.murmur2(key)) % 3);
      if (record.value().startsWith("plain-")) {
        assertThat(
                new String(record.headers().lastHeader("source").value(), StandardCharsets.UTF_8))
            .isEqualTo("kafkajs");
      }
    }
    Set<String> values = new HashSet<>();
    records.forEach(r -> values.add(r.value()));
    assertThat(values)
        .containsAll(IntStream.range(0, 30).mapToObj(i -> "plain-" + i).toList())
        .containsAll(IntStream.range(0, 30).mapToObj(i -> "gzip-" + i).toList());
  }

  @Test
  void transactionsCommitAbortAndSendOffsets() throws Exception {
    String topic = "kafkajs-transactions";
    Map<String, List<JsonNode>> steps = node("transactions.js", topic);

    // KafkaJS consumers read committed records only (isolation level read_committed).
    List<String> read = new ArrayList<>();
    steps.get("read").get(0).forEach(v -> read.add(v.asText()));
    assertThat(read).containsExactly("committed-1", "committed-2");
    JsonNode offsets = steps.get("offsets").get(0).get(0).get("partitions").get(0);
    assertThat(offsets.get("offset").asText()).isEqualTo("2");
    // The Java client, read_uncommitted, sees the aborted record too.
    assertThat(readAll(topic, 1, 3))
        .extracting(ConsumerRecord::value)
        .containsExactly("committed-1", "committed-2", "aborted");
  }

  @Test
  void consumerGroupSplitsPartitionsBetweenMembersAndCommitsOffsets() throws Exception {
    String topic = "kafkajs-group";
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      admin
          .createTopics(List.of(new NewTopic(topic, 3, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    Map<Integer, Long> endOffsets = new HashMap<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < 60; i++) {
        producer
            .send(new ProducerRecord<>(topic, i % 3, "k" + i, "v" + i))
            .get(10, TimeUnit.SECONDS);
        endOffsets.merge(i % 3, 1L, Long::sum);
      }
    }

    Map<String, List<JsonNode>> steps = node("consume-group.js", topic, "kafkajs-group", "60");

    Set<String> consumed = new HashSet<>();
    for (JsonNode record : steps.get("record")) {
      consumed.add(record.get("partition").asInt() + "/" + record.get("offset").asLong());
      assertThat(record.get("value").asText()).startsWith("v");
    }
    assertThat(consumed).hasSize(60);
    assertThat(steps.get("done").get(0).get("settled").asBoolean())
        .as("both members ended with partitions of their own: %s", steps.get("assignments"))
        .isTrue();
    JsonNode assignments = steps.get("assignments").get(0);
    List<Integer> all = new ArrayList<>();
    assignments.get("a").forEach(p -> all.add(p.asInt()));
    assignments.get("b").forEach(p -> all.add(p.asInt()));
    assertThat(all).containsExactlyInAnyOrder(0, 1, 2);

    Map<Integer, Long> committed = new HashMap<>();
    for (JsonNode p : steps.get("committed").get(0).get(0).get("partitions")) {
      committed.put(p.get("partition").asInt(), p.get("offset").asLong());
    }
    assertThat(committed).isEqualTo(endOffsets);
  }

  static List<ConsumerRecord<String, String>> readAll(String topic, int partitions, int expected) {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> tps =
          IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
