package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kafka-clients 3.9, the last 3.x client, against mini-broker: admin, idempotent zstd producer and
 * a consumer group, run in a child JVM whose classpath swaps the 3.9 jar (copied into
 * target/kafka-clients-3 by the build) in for the 4.x one the broker is built with.
 */
class OldJavaClientIT {

  static final Path OUTPUT = ChildProcess.outputDir(OldJavaClientIT.class);
  static final Path OLD_CLIENT_DIR = Path.of("target", "kafka-clients-3").toAbsolutePath();

  /** Jars of the test classpath the old client needs besides itself: codecs and the log API. */
  static final List<String> KEPT_JARS = List.of("lz4-java", "snappy-java", "zstd-jni", "slf4j-api");

  @TempDir Path dir;

  @Test
  void oldClientProducesConsumesAndCommits() throws Exception {
    String classpath = oldClientClasspath();
    try (Broker broker = RunningBroker.start(dir)) {
      ChildProcess.Finished run =
          ChildProcess.run(
                  OUTPUT,
                  Duration.ofSeconds(120),
                  Map.of(),
                  ChildProcess.javaCommand(
                      classpath,
                      OldClientRoundTrip.class.getName(),
                      List.of(broker.bootstrapServers(), "old-client")))
              .assertSucceeded();

      assertThat(run.stdoutLines())
          .contains(
              "client.version=3.9.1",
              "produced=200",
              "produced.last.offset=99",
              "consumed=200",
              "consumed.matching=200",
              "committed.total=200");
    }
  }

  static String oldClientClasspath() throws IOException {
    List<String> entries = new ArrayList<>();
    try (Stream<Path> jars = Files.list(OLD_CLIENT_DIR)) {
      jars.filter(j -> j.getFileName().toString().startsWith("kafka-clients-3."))
          .forEach(j -> entries.add(j.toString()));
    }
    assertThat(entries)
        .as("kafka-clients 3.x jar in %s (copied by the build)", OLD_CLIENT_DIR)
        .hasSize(1);
    for (String entry : KafkaTools.CLASSPATH.split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.equals("test-classes") || KEPT_JARS.stream().anyMatch(name::startsWith)) {
        entries.add(entry);
      }
    }
    assertThat(entries).anyMatch(e -> e.endsWith("test-classes"));
    return String.join(File.pathSeparator, entries);
  }
}
