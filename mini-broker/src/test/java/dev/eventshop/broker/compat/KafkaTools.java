package dev.eventshop.broker.compat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs Kafka's command-line tools (from the kafka-tools and kafka_2.13 jars on the test classpath)
 * the way users do: each in its own JVM, through its {@code main}, so that a tool's {@code
 * System.exit} ends only its own process.
 */
public final class KafkaTools {

  public static final String TOPIC_COMMAND = "org.apache.kafka.tools.TopicCommand";
  static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
  static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
  static final String GET_OFFSET_SHELL = "org.apache.kafka.tools.GetOffsetShell";
  static final String PRODUCER_PERFORMANCE = "org.apache.kafka.tools.ProducerPerformance";
  static final String CONSUMER_PERFORMANCE = "org.apache.kafka.tools.ConsumerPerformance";
  static final String END_TO_END_LATENCY = "org.apache.kafka.tools.EndToEndLatency";
  static final String VERIFIABLE_PRODUCER = "org.apache.kafka.tools.VerifiableProducer";
  static final String VERIFIABLE_CONSUMER = "org.apache.kafka.tools.VerifiableConsumer";
  static final String CONSUMER_GROUP_COMMAND =
      "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
  static final String DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand";
  static final String LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
  static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";
  static final String LEADER_ELECTION = "org.apache.kafka.tools.LeaderElectionCommand";
  static final String FEATURES = "org.apache.kafka.tools.FeatureCommand";
  public static final String REASSIGN_PARTITIONS =
      "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
  static final String DUMP_LOG_SEGMENTS = "kafka.tools.DumpLogSegments";

  /** The test JVM's own classpath: it holds the tools, the client and logback's config. */
  static final String CLASSPATH = System.getProperty("java.class.path");

  private KafkaTools() {}

  /** Runs a tool to completion (bounded by {@code timeout}) with its output kept in outputDir. */
  public static ChildProcess.Finished run(
      Path outputDir, Duration timeout, String mainClass, String... args) {
    return ChildProcess.run(outputDir, timeout, Map.of(), command(mainClass, args));
  }

  /** Starts a long-running tool; the caller closes it. */
  static ChildProcess start(Path outputDir, Path stdin, String mainClass, String... args) {
    return ChildProcess.start(outputDir, Map.of(), command(mainClass, args), stdin);
  }

  static List<String> command(String mainClass, String... args) {
    return ChildProcess.javaCommand(CLASSPATH, mainClass, List.of(args));
  }
}
