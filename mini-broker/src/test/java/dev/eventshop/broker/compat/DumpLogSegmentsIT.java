package dev.eventshop.broker.compat;

import static dev.eventshop.broker.compat.KafkaTools.DUMP_LOG_SEGMENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own log dump tool ({@code kafka.tools.DumpLogSegments} from the kafka_2.13 jar) reads the
 * segment, offset index and time index files mini-broker writes: every batch parses with a valid
 * CRC, offsets are contiguous across rolled segments, every compression codec is recognised, and
 * the indexes point at the batches they claim to.
 */
class DumpLogSegmentsIT {

  static final Path OUTPUT = ChildProcess.outputDir(DumpLogSegmentsIT.class);
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");
  static final int PER_CODEC = 300;

  static final Pattern BATCH =
      Pattern.compile(
          "^baseOffset: (\\d+) lastOffset: (\\d+) count: (\\d+) .* compresscodec: (\\w+) crc: \\d+"
              + " isvalid: (\\w+)$");
  static final Pattern RECORD =
      Pattern.compile(
          "^\\| offset: (\\d+) .*keySize: (-?\\d+) valueSize: (-?\\d+) .*headerKeys: \\[(.*)\\]"
              + "(?: key: (\\S*))?(?: payload: (.*))?$");

  @TempDir Path dir;

  /** What we expect at one offset. */
  record Expected(String key, String value, String codec) {}

  /** One batch as the tool printed it, with the records it listed under it. */
  record DumpedBatch(
      long baseOffset,
      long lastOffset,
      int count,
      String codec,
      boolean valid,
      List<String[]> records) {}

  @Test
  void dumpToolParsesEverySegmentWeWrote() throws Exception {
    Path logDir = dir.resolve("logs");
    Path partitionDir = logDir.resolve("dumped-0");
    List<Expected> expected = new ArrayList<>();
    try (Broker broker = RunningBroker.start(logDir, "log.index.interval.bytes=512")) {
      produceWithEveryCodec(broker.bootstrapServers(), expected);
      List<Path> segments = files(partitionDir, ".log");
      assertThat(segments).as("segments rolled at segment.bytes").hasSizeGreaterThan(3);
      assertDumpMatches(dumpLogs(segments).stdout(), segments, expected);
    }

    // After a clean shutdown every segment still reads back whole, and every index is trimmed to
    // its entries: the tool checks each entry against the batch at that position.
    List<Path> segments = files(partitionDir, ".log");
    assertDumpMatches(dumpLogs(segments).stdout(), segments, expected);
    assertIndexesMatch(indexesOf(partitionDir, segments));
  }

  /**
   * Kafka's offsets decoder reads what the group coordinator wrote to {@code __consumer_offsets}: a
   * consumer group's records (KIP-848) and its committed offset.
   */
  @Test
  void offsetsDecoderReadsOurConsumerGroupRecords() throws Exception {
    Path logDir = dir.resolve("logs");
    try (Broker broker = RunningBroker.start(logDir, "offsets.topic.num.partitions=1")) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("decoded", 2, (short) 1))).all().get();
      }
      Properties props = new Properties();
      props.put("bootstrap.servers", broker.bootstrapServers());
      props.put("group.id", "decoded-group");
      props.put("group.protocol", "consumer");
      props.put("client.id", "decoded-client");
      try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer =
          new org.apache.kafka.clients.consumer.KafkaConsumer<>(
              props,
              new org.apache.kafka.common.serialization.StringDeserializer(),
              new org.apache.kafka.common.serialization.StringDeserializer())) {
        consumer.subscribe(List.of("decoded"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.assignment().size() < 2 && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(100));
        }
        assertThat(consumer.assignment()).hasSize(2);
        consumer.commitSync();
      }
    }
    List<Path> segments = files(logDir.resolve("__consumer_offsets-0"), ".log");

    String output = dump(List.of("--offsets-decoder"), segments).stdout();

    assertThat(output)
        .contains("\"groupId\":\"decoded-group\"")
        .contains("\"clientId\":\"decoded-client\"")
        .contains("\"subscribedTopicNames\":[\"decoded\"]")
        .contains("\"assignedPartitions\":[{")
        .contains("\"assignmentEpoch\":1")
        .doesNotContain("Unknown record");
  }

  @Test
  void rolledSegmentIndexesAreTrimmedWhileTheBrokerRuns() throws Exception {
    Path logDir = dir.resolve("logs");
    Path partitionDir = logDir.resolve("dumped-0");
    try (Broker broker = RunningBroker.start(logDir, "log.index.interval.bytes=512")) {
      produceWithEveryCodec(broker.bootstrapServers(), new ArrayList<>());
      List<Path> segments = files(partitionDir, ".log");
      assertIndexesMatch(indexesOf(partitionDir, segments.subList(0, segments.size() - 1)));
    }
  }

  void assertIndexesMatch(List<Path> indexes) {
    assertThat(dump(List.of("--index-sanity-check"), indexes).stdout())
        .doesNotContain("failed sanity check");
    assertThat(dump(indexes).stdout())
        .contains("offset: ")
        .contains("timestamp: ")
        .doesNotContainIgnoringCase("mismatch")
        .doesNotContain("not found");
  }

  static List<Path> indexesOf(Path partitionDir, List<Path> segments) {
    List<Path> indexes = new ArrayList<>();
    for (Path segment : segments) {
      String base = segment.getFileName().toString().replace(".log", "");
      indexes.add(partitionDir.resolve(base + ".index"));
      indexes.add(partitionDir.resolve(base + ".timeindex"));
    }
    return indexes;
  }

  void produceWithEveryCodec(String bootstrap, List<Expected> expected) throws Exception {
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("dumped", 1, (short) 1).configs(Map.of("segment.bytes", "16384"))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    for (String codec : CODECS) {
      Properties props = new Properties();
      props.putAll(common);
      props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
      props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
      props.put(ProducerConfig.BATCH_SIZE_CONFIG, 4096);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
        for (int i = 0; i < PER_CODEC; i++) {
          String key = codec + "-k" + i;
          // Every 50th record is a tombstone; values vary in length so batches differ in size.
          String value = i % 50 == 49 ? null : codec + "-v" + i + "-" + "x".repeat(i % 97);
          ProducerRecord<String, String> record = new ProducerRecord<>("dumped", 0, key, value);
          record.headers().add("codec", codec.getBytes(StandardCharsets.UTF_8));
          producer.send(record);
          expected.add(new Expected(key, value, codec));
        }
        producer.flush();
      }
    }
  }

  ChildProcess.Finished dumpLogs(List<Path> segments) {
    return dump(List.of("--print-data-log"), segments);
  }

  ChildProcess.Finished dump(List<Path> files) {
    return dump(List.of(), files);
  }

  ChildProcess.Finished dump(List<String> options, List<Path> files) {
    List<String> args = new ArrayList<>(options);
    args.add("--files");
    args.add(String.join(",", files.stream().map(Path::toString).toList()));
    return KafkaTools.run(OUTPUT, TIMEOUT, DUMP_LOG_SEGMENTS, args.toArray(String[]::new))
        .assertSucceeded();
  }

  static void assertDumpMatches(String output, List<Path> segments, List<Expected> expected) {
    assertThat(output)
        .doesNotContain("invalid bytes")
        .doesNotContain("Exception")
        .doesNotContain("isvalid: false");
    Map<String, List<DumpedBatch>> bySegment = parse(output);
    assertThat(bySegment.keySet())
        .containsExactlyElementsOf(segments.stream().map(Path::toString).toList());

    long next = 0;
    Set<String> codecs = new HashSet<>();
    for (Path segment : segments) {
      List<DumpedBatch> batches = bySegment.get(segment.toString());
      assertThat(batches).as("batches in %s", segment).isNotEmpty();
      assertThat(batches.get(0).baseOffset())
          .as("segment file name is its first batch's base offset")
          .isEqualTo(Long.parseLong(segment.getFileName().toString().replace(".log", "")));
      for (DumpedBatch batch : batches) {
        assertThat(batch.valid()).isTrue();
        assertThat(batch.baseOffset()).as("batches are contiguous").isEqualTo(next);
        assertThat(batch.count()).isEqualTo((int) (batch.lastOffset() - batch.baseOffset() + 1));
        assertThat(batch.records()).hasSize(batch.count());
        codecs.add(batch.codec());
        for (String[] record : batch.records()) {
          long offset = Long.parseLong(record[0]);
          assertThat(offset).isEqualTo(next);
          Expected want = expected.get((int) offset);
          assertThat(batch.codec()).isEqualTo(want.codec());
          assertThat(record[1]).as("key at %d", offset).isEqualTo(want.key());
          assertThat(record[2]).as("value at %d", offset).isEqualTo(want.value());
          assertThat(record[3]).as("headers at %d", offset).isEqualTo("codec");
          next++;
        }
      }
    }
    assertThat(next).as("every record produced is in the dump").isEqualTo(expected.size());
    assertThat(codecs).containsExactlyInAnyOrderElementsOf(CODECS);
  }

  /** Batches per dumped file; each record as {offset, key, payload or null, header keys}. */
  static Map<String, List<DumpedBatch>> parse(String output) {
    Map<String, List<DumpedBatch>> bySegment = new java.util.LinkedHashMap<>();
    List<DumpedBatch> current = null;
    List<String[]> records = null;
    for (String line : output.lines().toList()) {
      if (line.startsWith("Dumping ")) {
        current = new ArrayList<>();
        bySegment.put(line.substring("Dumping ".length()).trim(), current);
        continue;
      }
      Matcher batch = BATCH.matcher(line);
      if (batch.matches()) {
        records = new ArrayList<>();
        current.add(
            new DumpedBatch(
                Long.parseLong(batch.group(1)),
                Long.parseLong(batch.group(2)),
                Integer.parseInt(batch.group(3)),
                batch.group(4),
                Boolean.parseBoolean(batch.group(5)),
                records));
        continue;
      }
      Matcher record = RECORD.matcher(line);
      if (record.matches()) {
        String value = Integer.parseInt(record.group(3)) < 0 ? null : record.group(6);
        records.add(new String[] {record.group(1), record.group(5), value, record.group(4)});
      }
    }
    return bySegment;
  }

  static List<Path> files(Path partitionDir, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(partitionDir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }
}
