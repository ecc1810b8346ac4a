package dev.eventshop.broker.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
      Pattern.compile("mini-broker \\d+ ready on PLAINTEXT://([^:]+):(\\d+) in (\\d+) ms");

  /** A broker process that was started and has not printed its ready line yet. */
  public interface Launched {
    BrokerProcess await() throws InterruptedException;
  }

  private final Process process;
  private final int port;
  private final long readyMs;
  private final List<String> output;

  private BrokerProcess(Process process, int port, long readyMs, List<String> output) {
    this.process = process;
    this.port = port;
    this.readyMs = readyMs;
    this.output = output;
  }

  /** Starts the jar with a properties file holding {@code properties} and waits until ready. */
  public static BrokerProcess start(Path dir, String properties)
      throws IOException, InterruptedException {
    return launch(dir, properties).await();
  }

  /**
   * Starts the jar without waiting, so that the nodes of a cluster can start together (each waits
   * for the quorum before it is ready).
   */
  public static Launched launch(Path dir, String properties) throws IOException {
    Path config = dir.resolve("server-" + System.nanoTime() + ".properties");
    Files.writeString(config, properties);
    Process process =
        new ProcessBuilder(JAVA, "-Xmx256m", "-jar", JAR.toString(), config.toString())
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Matcher> ready = new CompletableFuture<>();
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  lines.add(line);
                  Matcher m = READY.matcher(line);
                  if (m.find()) {
                    ready.complete(m);
                  }
                }
              } catch (IOException ignored) {
                // the process ended
              }
              ready.completeExceptionally(
                  new IllegalStateException("broker exited before ready: " + lines));
            },
            "broker-output");
    reader.setDaemon(true);
    reader.start();
    return () -> {
      try {
        Matcher m = ready.get(90, TimeUnit.SECONDS);
        return new BrokerProcess(
            process, Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), lines);
      } catch (InterruptedException e) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw e;
      } catch (Exception e) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("broker did not start: " + lines, e);
      }
    };
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
    synchronized (output) {
      return List.copyOf(output);
    }
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
