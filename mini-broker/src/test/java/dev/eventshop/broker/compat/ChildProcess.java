package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A process the test starts (a Kafka tool in its own JVM, kcat, node), with its stdout and stderr
 * captured to files so a tool that prints a lot never blocks on a full pipe. Closing it always
 * stops the process: SIGTERM, then SIGKILL if it has not exited within a few seconds. Tools that
 * call {@code System.exit} therefore never touch the test JVM.
 */
public final class ChildProcess implements AutoCloseable {

  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  /**
   * JVM flags for short-lived tool processes on a small machine: quick start and a small heap. C1
   * only is plenty for the small record counts the tests use.
   */
  static final List<String> TOOL_JVM_FLAGS =
      List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ChildProcess(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Where a test class's child processes leave their output: under target/, so that a failed run
   * can be read afterwards (and CI keeps it with the reports).
   */
  public static Path outputDir(Class<?> testClass) {
    return Path.of("target", "compat-output", testClass.getSimpleName()).toAbsolutePath();
  }

  /** What a finished process left behind. */
  public record Finished(String name, int exitCode, String stdout, String stderr) {

    /** Asserts a zero exit code, showing both streams otherwise. */
    public Finished assertSucceeded() {
      if (exitCode != 0) {
        fail(
            "%s exited with %d%n--- stdout ---%n%s%n--- stderr ---%n%s",
            name, exitCode, stdout, stderr);
      }
      return this;
    }

    public List<String> stdoutLines() {
      return stdout.lines().toList();
    }
  }

  /** Starts {@code command} with its output captured under {@code outputDir}. */
  static ChildProcess start(
      Path outputDir, Map<String, String> environment, List<String> command, Path stdin) {
    String name = Path.of(command.get(0)).getFileName().toString();
    if (name.equals("java")) {
      name =
          command.stream()
              .filter(a -> a.matches("[a-z]+(\\.[a-zA-Z0-9$]+)+"))
              .findFirst()
              .orElse(name);
    }
    int n = COUNTER.incrementAndGet();
    String base = n + "-" + name.substring(name.lastIndexOf('.') + 1);
    Path out = outputDir.resolve(base + ".out");
    Path err = outputDir.resolve(base + ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(
                stdin == null
                    ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
                    : ProcessBuilder.Redirect.from(stdin.toFile()));
    builder.environment().putAll(environment);
    try {
      Files.createDirectories(outputDir);
      return new ChildProcess(name, builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /** {@code java <flags> -cp <classpath> <mainClass> <args>}. */
  static List<String> javaCommand(String classpath, String mainClass, List<String> args) {
    return javaCommand(List.of(), classpath, mainClass, args);
  }

  /** {@code java <flags> <extraFlags> -cp <classpath> <mainClass> <args>}. */
  static List<String> javaCommand(
      List<String> extraFlags, String classpath, String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(JAVA);
    command.addAll(TOOL_JVM_FLAGS);
    command.addAll(extraFlags);
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /** Runs a command to completion within {@code timeout}, failing the test if it takes longer. */
  static Finished run(
      Path outputDir, Duration timeout, Map<String, String> environment, List<String> command) {
    try (ChildProcess child = start(outputDir, environment, command, null)) {
      return child.awaitExit(timeout);
    }
  }

  /** Waits for the process to exit; fails (and the caller's close kills it) after the timeout. */
  Finished awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        fail(
            "%s did not finish within %s%n--- stdout ---%n%s%n--- stderr ---%n%s",
            name, timeout, tail(stdout()), tail(stderr()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return new Finished(name, process.exitValue(), stdout(), stderr());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String stdout() {
    return read(stdout);
  }

  String stderr() {
    return read(stderr);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "<cannot read " + file + ": " + e + ">";
    }
  }

  private static String tail(String text) {
    return text.length() <= 8000 ? text : "..." + text.substring(text.length() - 8000);
  }
}
