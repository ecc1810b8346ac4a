package dev.eventshop.shop.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One shop service running as its own JVM ({@code java -jar <module>/target/<module>.jar}, as the
 * Docker image and {@code ./shop up} run it) on a fixed loopback port with its own data directory.
 * It can be stopped (SIGTERM), killed (SIGKILL) and started again on the same port and data. Its
 * output goes to {@code <data dir>/<name>.log}, appended across restarts.
 */
public final class ServiceProcess {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Path jar;
  private final int port;
  private final Path dataDir;
  private final List<String> jvmOptions;
  private final Map<String, String> environment;
  private Process process;

  ServiceProcess(
      String name,
      Path jar,
      int port,
      Path dataDir,
      List<String> jvmOptions,
      Map<String, String> environment) {
    this.name = name;
    this.jar = jar;
    this.port = port;
    this.dataDir = dataDir;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.environment = Map.copyOf(environment);
  }

  public String name() {
    return name;
  }

  /** http://127.0.0.1:port */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public Path log() {
    return dataDir.resolve(name + ".log");
  }

  /** Starts the JVM; {@link #awaitHealthy} waits until it serves. */
  void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
    builder.environment().putAll(environment);
    builder.environment().put("SERVER_ADDRESS", "127.0.0.1");
    builder.environment().put("SERVER_PORT", Integer.toString(port));
    builder.environment().put("SHOP_DATA_DIR", dataDir.toString());
    try {
      Files.createDirectories(dataDir);
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until {@code /actuator/health} answers 200; fails with the log's tail if the JVM died.
   */
  void awaitHealthy(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create(url() + "/actuator/health"))
            .timeout(Duration.ofSeconds(5))
            .build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + ":\n" + tail(40));
      }
      try {
        if (HTTP.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(name + " not healthy after " + timeout + ":\n" + tail(40));
  }

  /** SIGTERM, then SIGKILL if it has not exited within 30 s. */
  void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill();
    }
  }

  /** SIGKILL: a crash, with no chance to commit or close anything. */
  void kill() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL");
    }
  }

  /** CPU time the running JVM has used so far (user and system), zero when not running. */
  public Duration cpuTime() {
    Process running = process;
    if (running == null || !running.isAlive()) {
      return Duration.ZERO;
    }
    return running.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The last lines of the log, for failure messages. */
  public String tail(int lines) {
    try {
      List<String> all = Files.exists(log()) ? Files.readAllLines(log()) : List.of();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e + ")";
    }
  }
}
