package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kcat (librdkafka) against mini-broker: produce with each compression codec and read it back, and
 * list metadata. librdkafka picks its Produce version from ApiVersions and silently stops
 * compressing when the broker advertises too narrow a range, so the test also reads the batches
 * from the segment file and checks they are stored with the codec kcat was asked for.
 */
class KcatIT {

  static final Path OUTPUT = ChildProcess.outputDir(KcatIT.class);
  static final Duration TIMEOUT = Duration.ofSeconds(60);

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

  static Path kcat() {
    return RequiredProgram.require("kcat", "apt-get install -y kcat");
  }

  ChildProcess.Finished kcat(Path stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(kcat().toString());
    command.add("-b");
    command.add(broker.bootstrapServers());
    command.addAll(List.of(args));
    try (ChildProcess process = ChildProcess.start(OUTPUT, Map.of(), command, stdin)) {
      return process.awaitExit(TIMEOUT).assertSucceeded();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void producesWithEachCompressionAndConsumesBack(String codec) throws Exception {
    kcat();
    String topic = "kcat-" + codec;
    List<String> lines =
        IntStream.range(0, 200)
            .mapToObj(i -> "key" + i + ":" + codec + "-value-" + i + "-" + "abc".repeat(i % 20))
            .toList();
    Path input = dir.resolve(topic + ".txt");
    Files.write(input, lines);

    kcat(input, "-P", "-t", topic, "-p", "0", "-K", ":", "-z", codec, "-X", "linger.ms=50");

    ChildProcess.Finished consumed =
        kcat(null, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%s\\n");
    List<String> expected =
        IntStream.range(0, lines.size())
            .mapToObj(i -> i + "|" + lines.get(i).replace(':', '|'))
            .toList();
    assertThat(consumed.stdoutLines()).containsExactlyElementsOf(expected);

    // librdkafka sends a batch uncompressed when compressing would not make it smaller.
    Map<String, Integer> stored = storedRecordsByCodec(topic);
    assertThat(stored.keySet()).isSubsetOf(codec, "none");
    assertThat(stored.getOrDefault(codec, 0))
        .as("records stored in %s batches, of %s", codec, stored)
        .isGreaterThanOrEqualTo(lines.size() * 9 / 10);
  }

  @Test
  void idempotentProducerWritesEachRecordOnce() throws Exception {
    kcat();
    Path input = dir.resolve("idempotent.txt");
    Files.write(input, IntStream.range(0, 500).mapToObj(i -> "v" + i).toList());

    kcat(input, "-P", "-t", "kcat-idempotent", "-p", "0", "-X", "enable.idempotence=true");

    List<String> values =
        kcat(null, "-C", "-t", "kcat-idempotent", "-p", "0", "-o", "beginning", "-e", "-f", "%s\\n")
            .stdoutLines();
    assertThat(values).hasSize(500).startsWith("v0").endsWith("v499").doesNotHaveDuplicates();
  }

  @Test
  void readCommittedSkipsAbortedTransactionsAndReadUncommittedDoesNot() throws Exception {
    kcat();
    Map<String, Object> props =
        Map.of(
            "bootstrap.servers", broker.bootstrapServers(), "transactional.id", "kcat-tx-writer");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      for (String outcome : List.of("committed", "aborted", "committed", "aborted")) {
        producer.beginTransaction();
        for (int i = 0; i < 3; i++) {
          producer.send(new ProducerRecord<>("kcat-transactions", 0, null, outcome + "-" + i));
        }
        producer.flush();
        if (outcome.equals("committed")) {
          producer.commitTransaction();
        } else {
          producer.abortTransaction();
        }
      }
    }
    String[] consume = {
      "-C", "-t", "kcat-transactions", "-p", "0", "-o", "beginning", "-e", "-f", "%s\\n", "-X"
    };
    // librdkafka reads read_committed by default, skipping aborted records by the fetch response's
    // aborted transactions and the markers.
    List<String> committed =
        kcat(null, concat(consume, "isolation.level=read_committed")).stdoutLines();
    assertThat(committed).hasSize(6).allMatch(v -> v.startsWith("committed-"));
    List<String> all =
        kcat(null, concat(consume, "isolation.level=read_uncommitted")).stdoutLines();
    assertThat(all).hasSize(12);
  }

  private static String[] concat(String[] args, String last) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 1);
    all[args.length] = last;
    return all;
  }

  @Test
  void listsBrokerAndTopicMetadata() throws Exception {
    kcat();
    Path input = dir.resolve("metadata.txt");
    Files.writeString(input, "hello\n");
    kcat(input, "-P", "-t", "kcat-metadata");

    String metadata = kcat(null, "-L").stdout();

    int port = broker.boundAddresses().get(0).getPort();
    assertThat(metadata)
        .contains("1 brokers:")
        .contains("broker 1 at 127.0.0.1:" + port)
        .contains("topic \"kcat-metadata\" with 1 partitions:")
        .contains("partition 0, leader 1, replicas: 1, isrs: 1");
  }

  @Test
  void balancedConsumerGroupSplitsPartitionsBetweenTwoMembers() throws Exception {
    Path kcat = kcat();
    String topic = "kcat-group";
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      admin
          .createTopics(List.of(new NewTopic(topic, 4, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      List<String> member =
          List.of(
              kcat.toString(),
              "-b",
              broker.bootstrapServers(),
              "-G",
              "kcat-group",
              topic,
              "-o",
              "beginning",
              "-u",
              "-f",
              "%p|%o|%s\\n");
      try (ChildProcess a = ChildProcess.start(OUTPUT, Map.of(), member, null);
          ChildProcess b = ChildProcess.start(OUTPUT, Map.of(), member, null)) {
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions() // the group does not exist until the first member joins
            .untilAsserted(
                () -> {
                  ConsumerGroupDescription group =
                      admin
                          .describeConsumerGroups(List.of("kcat-group"))
                          .describedGroups()
                          .get("kcat-group")
                          .get(10, TimeUnit.SECONDS);
                  assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
                  assertThat(group.members())
                      .hasSize(2)
                      .allSatisfy(m -> assertThat(m.assignment().topicPartitions()).hasSize(2));
                });

        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
          for (int i = 0; i < 100; i++) {
            producer.send(new ProducerRecord<>(topic, i % 4, null, "v" + i));
          }
          producer.flush();
        }

        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> a.stdout().lines().count() + b.stdout().lines().count() >= 100);
        Set<String> partitionsOfA = partitions(a.stdout());
        Set<String> partitionsOfB = partitions(b.stdout());
        assertThat(partitionsOfA).hasSize(2).doesNotContainAnyElementsOf(partitionsOfB);
        assertThat(partitionsOfB).hasSize(2);
        assertThat(a.stdout().lines().count() + b.stdout().lines().count()).isEqualTo(100);
      }
    }
  }

  static Set<String> partitions(String kcatOutput) {
    return kcatOutput.lines().map(l -> l.substring(0, l.indexOf('|'))).collect(Collectors.toSet());
  }

  /** Records per compression codec of the batches stored in partition 0 of {@code topic}. */
  static Map<String, Integer> storedRecordsByCodec(String topic) throws IOException {
    Map<String, Integer> records = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir.resolve("logs").resolve(topic + "-0"))) {
      for (Path segment : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        try (FileRecords file = FileRecords.open(new File(segment.toString()), false)) {
          for (RecordBatch batch : file.batches()) {
            records.merge(batch.compressionType().name, batch.countOrNull(), Integer::sum);
          }
        }
      }
    }
    return records;
  }
}
