package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka Connect's distributed worker, unmodified and in its own JVM, against mini-broker.
 * The worker creates its compacted config, offset and status topics, joins a group of protocol type
 * {@code connect}, and runs the FileStream source connector (a file's lines into a topic) and sink
 * connector (the topic into another file). After a restart it reads its connectors back from the
 * config topic and the source resumes from its committed offset: no line is sent twice.
 */
@Timeout(180)
class KafkaConnectIT {

  static final Path OUTPUT = ChildProcess.outputDir(KafkaConnectIT.class);
  static final String TOPIC = "connect-lines";
  static final String SOURCE = "lines-source";
  static final String SINK = "lines-sink";
  static final Map<String, Integer> INTERNAL_TOPICS =
      Map.of("connect-configs", 1, "connect-offsets", 25, "connect-status", 5);
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;
  Broker broker;
  Admin admin;

  @BeforeEach
  void start() throws Exception {
    broker = RunningBroker.start(dir.resolve("broker"));
    admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
    // One partition, so that the sink sees the lines in the order the source read them.
    admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    if (admin != null) {
      admin.close();
    }
    broker.close();
  }

  @Test
  void fileSourceAndSinkCopyLinesThroughATopicAndResumeAfterARestart() throws Exception {
    Path source = Files.createFile(dir.resolve("source.txt"));
    Path sink = dir.resolve("sink.txt");
    List<String> lines = lines(1, 100);

    try (ConnectWorker worker =
        ConnectWorker.start(OUTPUT, dir.resolve("worker"), workerConfig())) {
      assertThat(worker.root().get("version").asText()).isEqualTo("4.1.2");
      assertThat(worker.root().get("kafka_cluster_id").asText()).isEqualTo(clusterId());
      worker.createConnector(
          SOURCE,
          Map.of(
              "connector.class",
              "org.apache.kafka.connect.file.FileStreamSourceConnector",
              "tasks.max",
              "1",
              "file",
              source.toString(),
              "topic",
              TOPIC));
      worker.createConnector(
          SINK,
          Map.of(
              "connector.class",
              "org.apache.kafka.connect.file.FileStreamSinkConnector",
              "tasks.max",
              "1",
              "file",
              sink.toString(),
              "topics",
              TOPIC));

      append(source, lines);
      awaitLines(sink, lines);
      assertThat(topicValues()).containsExactlyElementsOf(lines);
      awaitRunning(worker, SOURCE, "source");
      awaitRunning(worker, SINK, "sink");
      assertInternalTopicsAreCompacted();

      // Both connectors' offsets committed before the restart: the source's position in its file
      // (in the offset topic), the sink's consumer group offset. A restart that sends a line twice
      // can then only be a broker that lost or misread them.
      awaitCommitted(worker, source, lines.size());

      worker.restart();
      awaitRunning(worker, SOURCE, "source");
      awaitRunning(worker, SINK, "sink");
      List<String> all = new ArrayList<>(lines);
      List<String> more = lines(101, 200);
      all.addAll(more);
      append(source, more);
      awaitLines(sink, all);
      assertThat(topicValues()).containsExactlyElementsOf(all);
    }
  }

  private Map<String, String> workerConfig() {
    return Map.ofEntries(
        Map.entry("bootstrap.servers", broker.bootstrapServers()),
        Map.entry("group.id", "connect-it"),
        Map.entry("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
        Map.entry("value.converter", "org.apache.kafka.connect.storage.StringConverter"),
        Map.entry("config.storage.topic", "connect-configs"),
        Map.entry("offset.storage.topic", "connect-offsets"),
        Map.entry("status.storage.topic", "connect-status"),
        // One broker: Connect's default of 3 replicas per internal topic cannot be met.
        Map.entry("config.storage.replication.factor", "1"),
        Map.entry("offset.storage.replication.factor", "1"),
        Map.entry("status.storage.replication.factor", "1"),
        // Commit source offsets and flush the sink file twice a second, not once a minute.
        Map.entry("offset.flush.interval.ms", "500"),
        // The connectors ship service manifests: no scan of the whole test classpath.
        Map.entry("plugin.discovery", "service_load"));
  }

  private static List<String> lines(int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).toList();
  }

  private static void append(Path file, List<String> lines) throws IOException {
    Files.writeString(
        file,
        lines.stream().collect(Collectors.joining("\n", "", "\n")),
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
  }

  /** Waits until the sink file has as many lines as expected, then compares them. */
  private static void awaitLines(Path sink, List<String> expected) throws IOException {
    await("sink file has " + expected.size() + " lines")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Files.exists(sink) && Files.readAllLines(sink).size() >= expected.size());
    assertThat(Files.readAllLines(sink)).containsExactlyElementsOf(expected);
  }

  /** Every value in the topic, read from the start without a group. */
  private List<String> topicValues() {
    TopicPartition partition = new TopicPartition(TOPIC, 0);
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of("bootstrap.servers", broker.bootstrapServers()),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      List<String> values = new ArrayList<>();
      await("all " + end + " records of " + TOPIC)
          .atMost(TIMEOUT)
          .until(
              () -> {
                for (ConsumerRecord<String, String> record :
                    consumer.poll(Duration.ofMillis(200))) {
                  values.add(record.value());
                }
                return consumer.position(partition) >= end;
              });
      return values;
    }
  }

  private static void awaitRunning(ConnectWorker worker, String connector, String type) {
    await(connector + " and its task RUNNING")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              JsonNode status = worker.get("/connectors/" + connector + "/status");
              assertThat(status.get("type").asText()).isEqualTo(type);
              assertThat(status.at("/connector/state").asText())
                  .as("%s", status)
                  .isEqualTo("RUNNING");
              assertThat(status.get("tasks")).as("%s", status).hasSize(1);
              assertThat(status.at("/tasks/0/state").asText())
                  .as("%s", status)
                  .isEqualTo("RUNNING");
            });
  }

  /**
   * Waits until the source's committed offset (its position in the file, in bytes) is the end of
   * the file, and the sink's committed consumer offset is {@code records}, both as the worker
   * reports them ({@code GET /connectors/<name>/offsets}).
   */
  private static void awaitCommitted(ConnectWorker worker, Path source, long records) {
    await("committed offsets of both connectors")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              JsonNode sourceOffsets = worker.get("/connectors/" + SOURCE + "/offsets");
              assertThat(sourceOffsets.at("/offsets/0/partition/filename").asText())
                  .isEqualTo(source.toString());
              assertThat(sourceOffsets.at("/offsets/0/offset/position").asLong())
                  .isEqualTo(Files.size(source));
              JsonNode sinkOffsets = worker.get("/connectors/" + SINK + "/offsets");
              assertThat(sinkOffsets.at("/offsets/0/partition/kafka_topic").asText())
                  .isEqualTo(TOPIC);
              assertThat(sinkOffsets.at("/offsets/0/offset/kafka_offset").asLong())
                  .isEqualTo(records);
            });
  }

  private void assertInternalTopicsAreCompacted() throws Exception {
    Map<String, TopicDescription> topics =
        admin.describeTopics(INTERNAL_TOPICS.keySet()).allTopicNames().get(30, TimeUnit.SECONDS);
    INTERNAL_TOPICS.forEach(
        (name, partitions) ->
            assertThat(topics.get(name).partitions()).as(name).hasSize(partitions));
    List<ConfigResource> resources =
        INTERNAL_TOPICS.keySet().stream()
            .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
            .toList();
    Map<ConfigResource, Config> configs =
        admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
    resources.forEach(
        resource ->
            assertThat(configs.get(resource).get("cleanup.policy").value())
                .as(resource.name())
                .isEqualTo("compact"));
  }

  private String clusterId() throws Exception {
    return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
  }
}
