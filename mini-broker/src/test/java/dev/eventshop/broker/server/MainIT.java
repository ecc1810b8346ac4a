package dev.eventshop.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged jar as Kafka users would: java -jar mini-broker.jar server.properties. */
class MainIT {

  static final Path JAR = BrokerProcess.JAR;
  static final String JAVA = BrokerProcess.JAVA;

  @TempDir Path dir;

  @Test
  void unknownKeyExitsNonZeroNamingTheKey() throws Exception {
    Path config = dir.resolve("server.properties");
    Files.writeString(config, "node.id=1\nlog.retention.hour=5\n");

    Result result = run(config.toString());

    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.output)
        .contains("invalid configuration: log.retention.hour: unknown configuration key");
  }

  @Test
  void invalidOverrideExitsNonZeroNamingTheKey() throws Exception {
    Path config = dir.resolve("server.properties");
    Files.writeString(config, "node.id=1\n");

    Result result = run(config.toString(), "--override", "message.max.bytes=big");

    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.output).contains("message.max.bytes: invalid value 'big'");
  }

  @Test
  void portInUseExitsNonZero() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Path config = dir.resolve("server.properties");
      Files.writeString(
          config,
          "listeners=PLAINTEXT://127.0.0.1:"
              + taken.getLocalPort()
              + "\nlog.dirs="
              + dir.resolve("logs")
              + "\n");

      Result result = run(config.toString());

      assertThat(result.exitCode).isEqualTo(1);
      assertThat(result.output).contains("mini-broker: cannot start");
    }
  }

  @Test
  void missingFileIsReported() throws Exception {
    Result result = run(dir.resolve("absent.properties").toString());

    assertThat(result.exitCode).isEqualTo(2);
    assertThat(result.output).contains("cannot read configuration file");
  }

  @Test
  void startsPrintsReadyLineAndStopsOnSigterm() throws Exception {
    Path config = dir.resolve("server.properties");
    Files.writeString(
        config,
        "node.id=7\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=" + dir.resolve("logs") + "\n");
    Process process =
        new ProcessBuilder(JAVA, "-jar", JAR.toString(), config.toString())
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String ready = null;
      for (int i = 0; i < 200 && ready == null; i++) {
        String line = out.readLine();
        if (line == null) {
          break;
        }
        if (line.startsWith("mini-broker 7 ready on PLAINTEXT://127.0.0.1:")) {
          ready = line;
        }
      }
      assertThat(ready)
          .matches("mini-broker 7 ready on PLAINTEXT://127\\.0\\.0\\.1:\\d+ in \\d+ ms");

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(143);
    } finally {
      process.destroyForcibly();
    }
  }

  record Result(int exitCode, String output) {}

  static Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return new Result(process.exitValue(), output);
    } finally {
      process.destroyForcibly();
    }
  }
}
