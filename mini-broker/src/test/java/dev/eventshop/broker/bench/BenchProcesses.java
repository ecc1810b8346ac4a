package dev.eventshop.broker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the benchmarks share: child JVMs, free ports, memory readings, medians and tables. */
final class BenchProcesses {

  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  static final String CLASSPATH = System.getProperty("java.class.path");

  private BenchProcesses() {}

  /** Runs a main class of the benchmark's classpath in its own JVM; returns its output. */
  static String tool(Path work, String mainClass, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                JAVA,
                "-Xmx1g",
                "-cp",
                CLASSPATH,
                "-Dlogback.configurationFile=" + quietLogback(work),
                mainClass));
    Collections.addAll(command, args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(mainClass + " failed: " + out);
    }
    return out;
  }

  private static Path quietLogback(Path work) throws IOException {
    Path file = work.resolve("logback-quiet.xml");
    if (!Files.exists(file)) {
      Files.writeString(file, "<configuration><root level=\"WARN\"/></configuration>\n");
    }
    return file;
  }

  /** Reads a process's output on a daemon thread so that it never blocks on a full pipe. */
  static void drain(BufferedReader out) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (out.readLine() != null) {
                  // discard
                }
              } catch (IOException ignored) {
                // process ended
              }
            });
    t.setDaemon(true);
    t.start();
  }

  static BufferedReader output(Process p) {
    return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
  }

  /** Stops a process with SIGTERM, then SIGKILL if it has not ended within 30 s. */
  static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The process's peak resident memory (VmHWM) in KB. */
  static long peakRssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  /**
   * A markdown table of each measure for mini-broker and Apache Kafka with their ratio (a dash
   * where a value is not a number), under a line describing the run.
   */
  static String table(String description, Map<String, String> mini, Map<String, String> kafka) {
    StringBuilder out = new StringBuilder(description).append("\n\n");
    out.append(
        "| measure | mini-broker | Apache Kafka | ratio (mini / Kafka) |\n|---|---|---|---|\n");
    for (String key : mini.keySet()) {
      String ratio;
      try {
        ratio =
            "%.2f"
                .formatted(Double.parseDouble(mini.get(key)) / Double.parseDouble(kafka.get(key)));
      } catch (NumberFormatException | NullPointerException notANumber) {
        ratio = "-";
      }
      out.append("| %s | %s | %s | %s |\n".formatted(key, mini.get(key), kafka.get(key), ratio));
    }
    return out.toString();
  }

  /**
   * Prints the table and writes it to {@code bench/results/<name>}, or, when a run of the same day
   * is already there, to {@code <name without .md>-2.md} and so on: results are never overwritten.
   */
  static void report(String table, String name) throws IOException {
    System.out.println(table);
    Path out = Path.of("bench/results", name);
    String stem = name.endsWith(".md") ? name.substring(0, name.length() - 3) : name;
    for (int n = 2; Files.exists(out); n++) {
      out = Path.of("bench/results", stem + "-" + n + ".md");
    }
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
    System.out.println("written to " + out);
  }
}
