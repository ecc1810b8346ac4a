package dev.eventshop.broker.compat;

import static dev.eventshop.broker.compat.KafkaTools.CONSOLE_CONSUMER;
import static dev.eventshop.broker.compat.KafkaTools.CONSOLE_PRODUCER;
import static dev.eventshop.broker.compat.KafkaTools.CONSUMER_GROUP_COMMAND;
import static dev.eventshop.broker.compat.KafkaTools.CONSUMER_PERFORMANCE;
import static dev.eventshop.broker.compat.KafkaTools.DELETE_RECORDS;
import static dev.eventshop.broker.compat.KafkaTools.END_TO_END_LATENCY;
import static dev.eventshop.broker.compat.KafkaTools.FEATURES;
import static dev.eventshop.broker.compat.KafkaTools.GET_OFFSET_SHELL;
import static dev.eventshop.broker.compat.KafkaTools.LEADER_ELECTION;
import static dev.eventshop.broker.compat.KafkaTools.LOG_DIRS;
import static dev.eventshop.broker.compat.KafkaTools.PRODUCER_PERFORMANCE;
import static dev.eventshop.broker.compat.KafkaTools.TOPIC_COMMAND;
import static dev.eventshop.broker.compat.KafkaTools.TRANSACTIONS;
import static dev.eventshop.broker.compat.KafkaTools.VERIFIABLE_CONSUMER;
import static dev.eventshop.broker.compat.KafkaTools.VERIFIABLE_PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.network.BrokerChannel;
import dev.eventshop.broker.server.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own command-line tools, unmodified and each in its own JVM, against one running
 * mini-broker: the topics tool, the console producer and consumer, the offsets shell, the producer
 * and consumer performance tools, end-to-end latency, the verifiable producer and consumer pair,
 * and the consumer-groups tool showing lag.
 */
class KafkaToolsIT {

  static final Duration TOOL_TIMEOUT = Duration.ofSeconds(90);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static Broker broker;
  static String bootstrap;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = RunningBroker.start(dir.resolve("broker"));
    bootstrap = broker.bootstrapServers();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  static final Path OUTPUT = ChildProcess.outputDir(KafkaToolsIT.class);

  ChildProcess.Finished tool(String mainClass, String... args) {
    return KafkaTools.run(OUTPUT, TOOL_TIMEOUT, mainClass, args).assertSucceeded();
  }

  ChildProcess.Finished topics(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--bootstrap-server";
    all[1] = bootstrap;
    System.arraycopy(args, 0, all, 2, args.length);
    return tool(TOPIC_COMMAND, all);
  }

  /** ProducerPerformance as fast as it can: {@code records} records of {@code size} bytes. */
  void producePerf(String topic, int records, int size) {
    tool(
        PRODUCER_PERFORMANCE,
        "--topic",
        topic,
        "--num-records",
        String.valueOf(records),
        "--record-size",
        String.valueOf(size),
        "--throughput",
        "-1",
        "--producer-props",
        "bootstrap.servers=" + bootstrap);
  }

  @Test
  void topicCommandCreatesDescribesListsAddsPartitionsAndDeletes() {
    assertThat(
            topics(
                    "--create",
                    "--topic",
                    "tools-topic",
                    "--partitions",
                    "2",
                    "--replication-factor",
                    "1",
                    "--config",
                    "retention.ms=3600000")
                .stdout())
        .contains("Created topic tools-topic.");

    String described = topics("--describe", "--topic", "tools-topic").stdout();
    assertThat(described)
        .contains("Topic: tools-topic")
        .contains("PartitionCount: 2")
        .contains("ReplicationFactor: 1")
        .contains("retention.ms=3600000");
    assertThat(described.lines().filter(l -> l.contains("Partition: ")))
        .hasSize(2)
        .allSatisfy(l -> assertThat(l).contains("Leader: 1").contains("Isr: 1"));

    assertThat(topics("--list").stdoutLines()).contains("tools-topic");

    topics("--alter", "--topic", "tools-topic", "--partitions", "4");
    assertThat(topics("--describe", "--topic", "tools-topic").stdout())
        .contains("PartitionCount: 4")
        .contains("Partition: 3");

    topics("--delete", "--topic", "tools-topic");
    assertThat(topics("--list").stdoutLines()).doesNotContain("tools-topic");
  }

  @Test
  void consoleProducerAndConsoleConsumerRoundTripKeyedRecords() throws Exception {
    Path input = dir.resolve("console-input.txt");
    Files.writeString(input, "k1:first\nk2:second\nk3:third\n");
    try (ChildProcess producer =
        KafkaTools.start(
            OUTPUT,
            input,
            CONSOLE_PRODUCER,
            "--bootstrap-server",
            bootstrap,
            "--topic",
            "console",
            "--property",
            "parse.key=true",
            "--property",
            "key.separator=:")) {
      assertThat(producer.awaitExit(TOOL_TIMEOUT).assertSucceeded().stdout())
          .doesNotContain("ERROR");
    }

    ChildProcess.Finished consumed =
        tool(
            CONSOLE_CONSUMER,
            "--bootstrap-server",
            bootstrap,
            "--topic",
            "console",
            "--partition",
            "0",
            "--offset",
            "earliest",
            "--max-messages",
            "3",
            "--timeout-ms",
            "30000",
            "--property",
            "print.key=true",
            "--property",
            "print.offset=true");

    assertThat(consumed.stdoutLines())
        .containsExactly("Offset:0\tk1\tfirst", "Offset:1\tk2\tsecond", "Offset:2\tk3\tthird");
    assertThat(consumed.stderr()).contains("Processed a total of 3 messages");
  }

  @Test
  void perfToolsProduceAndConsumeAndOffsetShellSeesEveryRecord() {
    ChildProcess.Finished perf =
        tool(
            PRODUCER_PERFORMANCE,
            "--topic",
            "perf",
            "--num-records",
            "20000",
            "--record-size",
            "100",
            "--throughput",
            "-1",
            "--producer-props",
            "bootstrap.servers=" + bootstrap,
            "acks=all",
            "compression.type=lz4");
    assertThat(perf.stdout()).containsPattern("20000 records sent, [0-9.]+ records/sec");

    // ConsumerPerformance subscribes in a consumer group of its own.
    ChildProcess.Finished consumerPerf =
        tool(
            CONSUMER_PERFORMANCE,
            "--bootstrap-server",
            bootstrap,
            "--topic",
            "perf",
            "--messages",
            "20000",
            "--timeout",
            "60000");
    String csv = consumerPerf.stdoutLines().get(consumerPerf.stdoutLines().size() - 1);
    assertThat(csv.split(",\\s*")[4]).as("data.consumed.in.nMsg in %s", csv).isEqualTo("20000");

    assertThat(
            tool(
                    GET_OFFSET_SHELL,
                    "--bootstrap-server",
                    bootstrap,
                    "--topic",
                    "perf",
                    "--time",
                    "-1")
                .stdoutLines())
        .containsExactly("perf:0:20000");
    assertThat(
            tool(
                    GET_OFFSET_SHELL,
                    "--bootstrap-server",
                    bootstrap,
                    "--topic",
                    "perf",
                    "--time",
                    "-2")
                .stdoutLines())
        .containsExactly("perf:0:0");
  }

  @Test
  void deleteRecordsCommandMovesTheEarliestOffset() throws Exception {
    producePerf("purge", 100, 10);
    Path offsets = dir.resolve("delete-records.json");
    Files.writeString(
        offsets,
        "{\"partitions\":[{\"topic\":\"purge\",\"partition\":0,\"offset\":60}],\"version\":1}");

    assertThat(
            tool(
                    DELETE_RECORDS,
                    "--bootstrap-server",
                    bootstrap,
                    "--offset-json-file",
                    offsets.toString())
                .stdout())
        .contains("partition: purge-0\tlow_watermark: 60");
    assertThat(
            tool(
                    GET_OFFSET_SHELL,
                    "--bootstrap-server",
                    bootstrap,
                    "--topic",
                    "purge",
                    "--time",
                    "-2")
                .stdoutLines())
        .containsExactly("purge:0:60");
  }

  @Test
  void logDirsCommandShowsEachReplicaWithItsSize() throws Exception {
    topics("--create", "--topic", "sized", "--partitions", "2", "--replication-factor", "1");
    producePerf("sized", 50, 100);

    List<String> out =
        tool(LOG_DIRS, "--bootstrap-server", bootstrap, "--describe", "--topic-list", "sized")
            .stdoutLines();
    JsonNode logDir =
        JSON.readTree(out.get(out.size() - 1)).get("brokers").get(0).get("logDirs").get(0);
    assertThat(logDir.get("logDir").asText())
        .isEqualTo(dir.resolve("broker").toAbsolutePath().toString());
    assertThat(logDir.get("partitions"))
        .extracting(p -> p.get("partition").asText())
        .containsExactlyInAnyOrder("sized-0", "sized-1");
    long bytes = 0;
    for (JsonNode p : logDir.get("partitions")) {
      bytes += p.get("size").asLong();
      assertThat(p.get("offsetLag").asLong()).isZero();
    }
    assertThat(bytes).as("50 records of 100 bytes").isGreaterThan(5_000);
  }

  @Test
  void transactionsCommandDescribesTheIdempotentProducersOfAPartition() {
    // ProducerPerformance's producer is idempotent (the client default): 50 records, sequences
    // 0-49.
    producePerf("described", 50, 10);

    List<String> table =
        tool(
                TRANSACTIONS,
                "--bootstrap-server",
                bootstrap,
                "describe-producers",
                "--topic",
                "described",
                "--partition",
                "0")
            .stdoutLines();
    assertThat(table.get(0).split("\\s+"))
        .startsWith("ProducerId", "ProducerEpoch", "LatestCoordinatorEpoch", "LastSequence");
    assertThat(table).hasSize(2);
    String[] producer = table.get(1).trim().split("\\s+");
    assertThat(producer[1]).as("epoch").isEqualTo("0");
    assertThat(producer[2]).as("coordinator epoch").isEqualTo("-1");
    assertThat(producer[3]).as("last sequence").isEqualTo("49");
  }

  @Test
  void transactionsCommandListsAndDescribesTheTransactionsOfATransactionalPerfRun() {
    // ProducerPerformance commits a transaction every 50 ms.
    tool(
        PRODUCER_PERFORMANCE,
        "--topic",
        "transactional",
        "--num-records",
        "500",
        "--record-size",
        "10",
        "--throughput",
        "2000",
        "--transactional-id",
        "perf-tx",
        "--transaction-duration-ms",
        "50",
        "--producer-props",
        "bootstrap.servers=" + bootstrap);

    List<String> list = tool(TRANSACTIONS, "--bootstrap-server", bootstrap, "list").stdoutLines();
    assertThat(list.get(0).split("\\s+"))
        .startsWith("TransactionalId", "Coordinator", "ProducerId", "TransactionState");
    assertThat(list)
        .anySatisfy(line -> assertThat(line.trim().split("\\s+")).startsWith("perf-tx", "1"));

    List<String> described =
        tool(
                TRANSACTIONS,
                "--bootstrap-server",
                bootstrap,
                "describe",
                "--transactional-id",
                "perf-tx")
            .stdoutLines();
    assertThat(described.get(0)).contains("CoordinatorId", "TransactionalId", "TransactionState");
    assertThat(described.get(1).trim().split("\\s+"))
        .as("coordinator, id, producer id, epoch, state")
        .contains("perf-tx", "CompleteCommit");

    // No transaction is left open on the topic's partition.
    List<String> hanging =
        tool(TRANSACTIONS, "--bootstrap-server", bootstrap, "find-hanging", "--broker-id", "1")
            .stdoutLines();
    assertThat(hanging.get(0)).contains("Topic", "ProducerId", "StartOffset");
    assertThat(hanging).as("the header, and no hanging transaction").hasSize(1);
  }

  @Test
  void transactionsCommandFindsAndAbortsAHangingTransaction() throws Exception {
    topics("--create", "--topic", "hanging", "--partitions", "1", "--replication-factor", "1");
    TopicPartition tp = new TopicPartition("hanging", 0);
    // A transaction no coordinator knows of: a transactional batch from an idempotent producer id,
    // written without AddPartitionsToTxn (transaction version 1 does not verify it). It holds
    // read_committed consumers back until someone aborts it.
    java.net.InetSocketAddress address = broker.boundAddresses().get(0);
    try (BrokerChannel channel =
        new BrokerChannel(address.getHostString(), address.getPort(), "hanging-writer", 10_000)) {
      InitProducerIdResponse ids =
          channel.send(
              ApiKeys.INIT_PRODUCER_ID,
              (short) 4,
              new InitProducerIdRequestData()
                  .setTransactionalId(null)
                  .setTransactionTimeoutMs(60_000)
                  .setProducerId(-1)
                  .setProducerEpoch((short) -1));
      MemoryRecords batch =
          MemoryRecords.withTransactionalRecords(
              Compression.NONE,
              ids.data().producerId(),
              ids.data().producerEpoch(),
              0,
              new SimpleRecord("k".getBytes(), "left open".getBytes()));
      ProduceResponse produced =
          channel.send(
              ApiKeys.PRODUCE,
              (short) 9,
              new ProduceRequestData()
                  .setAcks((short) -1)
                  .setTimeoutMs(10_000)
                  .setTransactionalId("nobody-knows")
                  .setTopicData(
                      new ProduceRequestData.TopicProduceDataCollection(
                          List.of(
                                  new ProduceRequestData.TopicProduceData()
                                      .setName("hanging")
                                      .setPartitionData(
                                          List.of(
                                              new ProduceRequestData.PartitionProduceData()
                                                  .setIndex(0)
                                                  .setRecords(batch))))
                              .iterator())));
      assertThat(
              produced.data().responses().iterator().next().partitionResponses().get(0).errorCode())
          .isZero();
    }
    try (Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", bootstrap))) {
      assertThat(lastStableOffset(admin, tp)).isZero();

      List<String> hanging =
          tool(
                  TRANSACTIONS,
                  "--bootstrap-server",
                  bootstrap,
                  "find-hanging",
                  "--broker-id",
                  "1",
                  "--max-transaction-timeout",
                  "0")
              .stdoutLines();
      assertThat(hanging).hasSize(2);
      assertThat(hanging.get(1).trim().split("\\s+"))
          .as("topic, partition, producer id, epoch, coordinator epoch, start offset")
          .startsWith("hanging", "0")
          .contains("0");

      tool(
          TRANSACTIONS,
          "--bootstrap-server",
          bootstrap,
          "abort",
          "--topic",
          "hanging",
          "--partition",
          "0",
          "--start-offset",
          "0");
      // The ABORT marker at offset 1 ends it.
      assertThat(lastStableOffset(admin, tp)).isEqualTo(2);
    }
  }

  private static long lastStableOffset(Admin admin, TopicPartition tp) throws Exception {
    return admin
        .listOffsets(
            java.util.Map.of(tp, OffsetSpec.latest()),
            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
        .partitionResult(tp)
        .get(30, java.util.concurrent.TimeUnit.SECONDS)
        .offset();
  }

  @Test
  void leaderElectionCommandFindsEveryPartitionLedByItsPreferredReplica() {
    topics("--create", "--topic", "elected", "--partitions", "2", "--replication-factor", "1");
    // A single broker leads all its partitions: no election is needed (LeaderElectionIT holds
    // real ones, in a cluster).
    assertThat(
            tool(
                    LEADER_ELECTION,
                    "--bootstrap-server",
                    bootstrap,
                    "--election-type",
                    "preferred",
                    "--topic",
                    "elected",
                    "--partition",
                    "1")
                .stdout())
        .contains("Valid replica already elected for partitions elected-1");
  }

  /**
   * kafka-features.sh describes the two features mini-broker implements and changes a level as it
   * does with Kafka: a dry run, a downgrade, a refused upgrade past the supported range, an upgrade
   * back to where the test found it, and a refused upgrade to a release version.
   */
  @Test
  void featureCommandDescribesDowngradesAndUpgradesTransactionVersion() {
    assertThat(features("describe").stdoutLines())
        .containsExactly(
            "Feature: group.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 1"
                + "\tFinalizedVersionLevel: 1\tEpoch: 0",
            "Feature: transaction.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 2"
                + "\tFinalizedVersionLevel: 2\tEpoch: 0");

    assertThat(features("downgrade", "--feature", "transaction.version=1", "--dry-run").stdout())
        .contains("transaction.version can be downgraded to 1.");
    assertThat(features("downgrade", "--feature", "transaction.version=1").stdout())
        .contains("transaction.version was downgraded to 1.");
    assertThat(features("describe").stdout())
        .contains(
            "Feature: transaction.version\tSupportedMinVersion: 0\tSupportedMaxVersion: 2"
                + "\tFinalizedVersionLevel: 1\tEpoch: 1");

    ChildProcess.Finished refused =
        KafkaTools.run(
            OUTPUT,
            TOOL_TIMEOUT,
            FEATURES,
            "--bootstrap-server",
            bootstrap,
            "upgrade",
            "--feature",
            "transaction.version=3");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stdout())
        .contains(
            "Could not upgrade transaction.version to 3. The update failed for all features since"
                + " the following feature had an error: Invalid update version 3 for feature"
                + " transaction.version. Local controller 1 only supports versions 0-2");

    assertThat(features("upgrade", "--feature", "transaction.version=2").stdout())
        .contains("transaction.version was upgraded to 2.");

    // A release version names metadata.version (and kraft.version), which mini-broker does not
    // have: the whole request is refused.
    ChildProcess.Finished release =
        KafkaTools.run(
            OUTPUT,
            TOOL_TIMEOUT,
            FEATURES,
            "--bootstrap-server",
            bootstrap,
            "upgrade",
            "--release-version",
            "4.1");
    assertThat(release.exitCode()).isEqualTo(1);
    assertThat(release.stdout())
        .contains("Could not upgrade metadata.version to ")
        .contains("Could not upgrade transaction.version to 2.")
        .contains("does not support this feature.");
  }

  ChildProcess.Finished features(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--bootstrap-server";
    all[1] = bootstrap;
    System.arraycopy(args, 0, all, 2, args.length);
    return tool(FEATURES, all);
  }

  @Test
  void endToEndLatencyReportsPercentiles() {
    // Produces one record at a time and waits to consume it (assign), committing as it goes.
    ChildProcess.Finished latency =
        tool(END_TO_END_LATENCY, bootstrap, "latency", "300", "1", "100");
    assertThat(latency.stdout())
        .containsPattern("Avg latency: [0-9.]+ ms")
        .containsPattern("Percentiles: 50th = \\d+, 99th = \\d+, 99.9th = \\d+");
  }

  @Test
  void verifiableProducerAndConsumerAgreeAndConsumerGroupCommandShowsLag() throws Exception {
    ChildProcess.Finished producer =
        tool(
            VERIFIABLE_PRODUCER,
            "--bootstrap-server",
            bootstrap,
            "--topic",
            "verifiable",
            "--max-messages",
            "1000",
            "--acks",
            "-1");

    List<JsonNode> sent = events(producer, "producer_send_success");
    assertThat(sent).hasSize(1000);
    for (int i = 0; i < sent.size(); i++) {
      assertThat(topicPartition(sent.get(i))).isEqualTo("verifiable-0");
      assertThat(sent.get(i).path("offset").asLong()).isEqualTo(i);
    }
    assertThat(events(producer, "producer_send_error")).isEmpty();
    assertThat(events(producer, "tool_data"))
        .singleElement()
        .satisfies(d -> assertThat(d.path("acked").asInt()).isEqualTo(1000));

    ChildProcess.Finished consumer =
        tool(
            VERIFIABLE_CONSUMER,
            "--bootstrap-server",
            bootstrap,
            "--topic",
            "verifiable",
            "--group-id",
            "verifiable-group",
            "--max-messages",
            "1000",
            "--reset-policy",
            "earliest");
    assertThat(
            events(consumer, "records_consumed").stream()
                .mapToInt(e -> e.path("count").asInt())
                .sum())
        .isEqualTo(1000);
    assertThat(events(consumer, "partitions_assigned"))
        .singleElement()
        .satisfies(
            e -> assertThat(topicPartitions(e.path("partitions"))).containsExactly("verifiable-0"));
    List<JsonNode> commits = events(consumer, "offsets_committed");
    assertThat(commits).allSatisfy(c -> assertThat(c.path("success").asBoolean()).isTrue());
    assertThat(commits.get(commits.size() - 1).path("offsets"))
        .singleElement()
        .satisfies(
            o -> {
              assertThat(topicPartition(o)).isEqualTo("verifiable-0");
              assertThat(o.path("offset").asLong()).isEqualTo(1000);
            });

    assertThat(describeGroup("verifiable-group"))
        .containsExactly("verifiable", "0", "1000", "1000", "0");

    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (KafkaProducer<String, String> more =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 100; i++) {
        more.send(new ProducerRecord<>("verifiable", 0, null, "more-" + i));
      }
      more.flush();
    }
    assertThat(describeGroup("verifiable-group"))
        .containsExactly("verifiable", "0", "1000", "1100", "100");
  }

  /**
   * The events a verifiable producer or consumer printed, one JSON object a line, with the given
   * name. Read by field name: the order of the fields differs between JDKs.
   */
  static List<JsonNode> events(ChildProcess.Finished tool, String name) {
    return tool.stdoutLines().stream()
        .filter(line -> line.startsWith("{"))
        .map(KafkaToolsIT::json)
        .filter(event -> name.equals(event.path("name").asText()))
        .toList();
  }

  static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }

  static String topicPartition(JsonNode node) {
    return node.path("topic").asText() + "-" + node.path("partition").asInt();
  }

  static List<String> topicPartitions(JsonNode array) {
    List<String> result = new ArrayList<>();
    array.forEach(node -> result.add(topicPartition(node)));
    return result;
  }

  /** TOPIC, PARTITION, CURRENT-OFFSET, LOG-END-OFFSET, LAG of the group's single partition. */
  List<String> describeGroup(String group) {
    ChildProcess.Finished described =
        tool(
            CONSUMER_GROUP_COMMAND,
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--group",
            group);
    List<String> rows =
        described.stdoutLines().stream().filter(l -> l.startsWith(group + " ")).toList();
    assertThat(rows).as("rows of %s", described.stdout()).hasSize(1);
    return List.of(rows.get(0).trim().split("\\s+")).subList(1, 6);
  }
}
