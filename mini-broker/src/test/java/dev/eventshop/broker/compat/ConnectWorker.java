package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventshop.broker.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A Kafka Connect distributed worker ({@code ConnectDistributed}, unmodified) in its own JVM,
 * started from the test classpath with a worker properties file, and a client for its REST API. The
 * worker keeps its state in the broker (config, offset and status topics), so {@link #restart}
 * starts a new process with the same file: same group, same topics, same REST port. Closing stops
 * the process (SIGTERM, then SIGKILL).
 */
final class ConnectWorker implements AutoCloseable {

  static final String CONNECT_DISTRIBUTED = "org.apache.kafka.connect.cli.ConnectDistributed";

  /** Start-up of a worker JVM (C1 only) on a busy 2-core machine, joining its group included. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Kafka's classes log warnings, Connect's own progress (joining the group, starting connectors
   * and tasks, committing offsets) at INFO, so a failed run can be read in the worker's output.
   */
  private static final String LOGBACK_XML =
      """
      <configuration>
        <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n</pattern></encoder>
        </appender>
        <logger name="org.apache.kafka" level="WARN"/>
        <logger name="org.apache.kafka.connect" level="INFO"/>
        <logger name="org.eclipse.jetty" level="WARN"/>
        <logger name="org.glassfish" level="WARN"/>
        <root level="INFO"><appender-ref ref="STDOUT"/></root>
      </configuration>
      """;

  private final Path outputDir;
  private final Path propertiesFile;
  private final Path logbackXml;
  private final URI rest;
  private final HttpClient http;
  private ChildProcess process;

  private ConnectWorker(Path outputDir, Path propertiesFile, Path logbackXml, URI rest) {
    this.outputDir = outputDir;
    this.propertiesFile = propertiesFile;
    this.logbackXml = logbackXml;
    this.rest = rest;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * Writes {@code config} and a REST listener on a free loopback port into a worker properties file
   * in {@code workDir}, starts the worker and waits until its REST API says it is healthy.
   */
  static ConnectWorker start(Path outputDir, Path workDir, Map<String, String> config)
      throws IOException {
    int port = FreePorts.take(1)[0];
    Map<String, String> properties = new TreeMap<>(config);
    properties.put("listeners", "http://127.0.0.1:" + port);
    properties.put("rest.advertised.host.name", "127.0.0.1");
    Files.createDirectories(workDir);
    Path propertiesFile = workDir.resolve("connect-distributed.properties");
    Files.writeString(
        propertiesFile,
        properties.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining("\n", "", "\n")));
    Path logbackXml = workDir.resolve("connect-logback.xml");
    Files.writeString(logbackXml, LOGBACK_XML);
    ConnectWorker worker =
        new ConnectWorker(
            outputDir, propertiesFile, logbackXml, URI.create("http://127.0.0.1:" + port));
    worker.startProcess();
    return worker;
  }

  /** Stops the worker process and starts a new one with the same properties file. */
  void restart() {
    process.close();
    startProcess();
  }

  private void startProcess() {
    process =
        ChildProcess.start(
            outputDir,
            Map.of(),
            ChildProcess.javaCommand(
                List.of("-Dlogback.configurationFile=" + logbackXml),
                KafkaTools.CLASSPATH,
                CONNECT_DISTRIBUTED,
                List.of(propertiesFile.toString())),
            null);
    try {
      awaitHealthy();
    } catch (RuntimeException | Error e) {
      process.close(); // from start(), the caller has no worker to close yet
      throw e;
    }
  }

  /**
   * The REST server listens before the worker has read its config topic and joined its group;
   * {@code GET /health} answers 200 only once the worker is ready to serve requests (KIP-1017).
   */
  private void awaitHealthy() {
    await("Connect worker's REST API at " + rest)
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        // A worker that fails to start logs this and may keep running on its non-daemon threads.
        .failFast(
            "the Connect worker stopped; its output is in " + outputDir,
            () -> !process.isAlive() || process.stdout().contains("Stopping due to error"))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(
            () -> send(HttpRequest.newBuilder(rest.resolve("/health")).GET()).statusCode() == 200);
  }

  /** {@code GET /}: the worker's version, commit and the Kafka cluster id it works with. */
  JsonNode root() {
    return get("/");
  }

  /** A GET that must answer 200, as JSON. */
  JsonNode get(String path) {
    HttpResponse<String> response = call(HttpRequest.newBuilder(rest.resolve(path)).GET());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return readTree(response.body());
  }

  /**
   * {@code POST /connectors}. A worker answers 409 while its group rebalances (no leader to forward
   * the request to yet); the request is repeated until it is accepted.
   */
  void createConnector(String name, Map<String, String> config) {
    String body = writeJson(Map.of("name", name, "config", config));
    await("POST /connectors " + name)
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              HttpResponse<String> response =
                  call(
                      HttpRequest.newBuilder(rest.resolve("/connectors"))
                          .header("Content-Type", "application/json")
                          .POST(HttpRequest.BodyPublishers.ofString(body)));
              if (response.statusCode() == 409) {
                return false;
              }
              assertThat(response.statusCode())
                  .as("POST /connectors %s: %s", name, response.body())
                  .isEqualTo(201);
              return true;
            });
  }

  @Override
  public void close() {
    if (process != null) {
      process.close();
    }
  }

  private HttpResponse<String> call(HttpRequest.Builder request) {
    try {
      return send(request);
    } catch (IOException e) {
      throw new UncheckedIOException("Connect REST call to " + rest + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(
        request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }

  private static String writeJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
