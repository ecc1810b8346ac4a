package dev.eventshop.broker.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged broker run as a separate process, as users run it; the test that starts one stops it
 * (SIGTERM or SIGKILL) through this handle.
 */
public final class BrokerProcess implements AutoCloseable {

  static final Path JAR = Path.of("target/mini-broker.jar");
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final Pattern READY =
      Pattern.compile("mini-broker \\d+ ready on [A-Z0-9_]+://([^:,]+):(\\d+)\\S* in (\\d+) ms");

  /** A broker process that was started and has not printed its ready line yet. */
  public interface Launched {
    BrokerProcess await() throws InterruptedException;
  }

  private final Process process;
  private final int port;
  private final long readyMs;
  private final Path log;

  private BrokerProcess(Process process, int port, long readyMs, Path log) {
    this.process = process;
    this.port = port;
    this.readyMs = readyMs;
    this.log = log;
  }

  /** Starts the jar with a properties file holding {@code properties} and waits until ready. */
  public static BrokerProcess start(Path dir, String properties)
      throws IOException, InterruptedException {
    return launch(dir, properties).await();
  }

  /**
   * Starts the jar without waiting, so that the nodes of a cluster can start together (each waits
   * for the quorum before it is ready). The process writes to a log file in {@code dir}, not to a
   * pipe: a pipe's last lines are lost when the process exits while they are being read.
   */
  public static Launched launch(Path dir, String properties) throws IOException {
    long id = System.nanoTime();
    Path config = dir.resolve("server-" + id + ".properties");
    Files.writeString(config, properties);
    Path log = dir.resolve("server-" + id + ".log");
    Process process =
        new ProcessBuilder(JAVA, "-Xmx256m", "-jar", JAR.toString(), config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    return () -> {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      try {
        while (System.nanoTime() < deadline) {
          for (String line : lines(log)) {
            Matcher m = READY.matcher(line);
            if (m.find()) {
              return new BrokerProcess(
                  process, Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), log);
            }
          }
          if (!process.isAlive()) {
            throw new IllegalStateException("broker exited before ready");
          }
          Thread.sleep(50);
        }
        throw new IllegalStateException("broker not ready within 90 s");
      } catch (RuntimeException e) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("broker did not start: " + lines(log), e);
      } catch (InterruptedException e) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw e;
      }
    };
  }

  private static List<String> lines(Path log) {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of(); // not written yet
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public long readyMs() {
    return readyMs;
  }

  public long pid() {
    return process.pid();
  }

  /** Everything the process printed so far. */
  public List<String> output() {
    return lines(log);
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }

  /** SIGTERM and wait for the clean shutdown. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
