package dev.eventshop.broker.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kafka's own perf tools, each run in its own JVM, and what they print parsed. */
final class PerfTools {

  private static final Pattern RECORDS_PER_SEC = Pattern.compile("([\\d.]+) records/sec");
  private static final Pattern PERCENTILES =
      Pattern.compile("50th = ([\\d.]+), 99th = ([\\d.]+), 99.9th = ([\\d.]+)");

  private final Path work;

  PerfTools(Path work) {
    this.work = work;
  }

  /** ProducerPerformance: records of 100 bytes as fast as possible; returns records/s. */
  double produce(String bootstrap, String topic, String acks, int count) throws Exception {
    return produce(
        bootstrap,
        topic,
        count,
        "--producer-props",
        "bootstrap.servers=" + bootstrap,
        "acks=" + acks);
  }

  /**
   * ProducerPerformance with a transactional producer that commits every {@code commitEveryMs}
   * (acks=all, the transactional default); returns records/s.
   */
  double produceTransactional(String bootstrap, String topic, int count, int commitEveryMs)
      throws Exception {
    return produce(
        bootstrap,
        topic,
        count,
        "--transactional-id",
        "bench-" + topic,
        "--transaction-duration-ms",
        String.valueOf(commitEveryMs),
        "--producer-props",
        "bootstrap.servers=" + bootstrap);
  }

  private double produce(String bootstrap, String topic, int count, String... args)
      throws Exception {
    List<String> all =
        new ArrayList<>(
            List.of(
                "--topic",
                topic,
                "--num-records",
                String.valueOf(count),
                "--record-size",
                "100",
                "--throughput",
                "-1"));
    all.addAll(List.of(args));
    String out =
        BenchProcesses.tool(
            work, "org.apache.kafka.tools.ProducerPerformance", all.toArray(String[]::new));
    String summary = "";
    for (String line : out.split("\n")) {
      if (line.contains("records sent")) {
        summary = line;
      }
    }
    Matcher m = RECORDS_PER_SEC.matcher(summary);
    if (!m.find()) {
      throw new IllegalStateException("no result from ProducerPerformance: " + out);
    }
    return Double.parseDouble(m.group(1));
  }

  /**
   * ConsumerPerformance: its overall rate (from start, group join included) and its rate over the
   * fetch phase only (after the group's first assignment), in records/s.
   */
  double[] consume(String bootstrap, String topic, int count) throws Exception {
    String out =
        BenchProcesses.tool(
            work,
            "org.apache.kafka.tools.ConsumerPerformance",
            "--bootstrap-server",
            bootstrap,
            "--topic",
            topic,
            "--messages",
            String.valueOf(count),
            "--timeout",
            "60000");
    // The data line: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
    // nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
    for (String line : out.split("\n")) {
      String[] cols = line.split(",\\s*");
      if (cols.length >= 10 && cols[0].matches("\\d{4}-.*")) {
        return new double[] {Double.parseDouble(cols[5]), Double.parseDouble(cols[9])};
      }
    }
    throw new IllegalStateException("no result from ConsumerPerformance: " + out);
  }

  /** EndToEndLatency: one record at a time, produced and consumed; "p50 / p99 / p99.9" in ms. */
  String endToEndLatency(String bootstrap, String topic, int count, String acks) throws Exception {
    String out =
        BenchProcesses.tool(
            work,
            "org.apache.kafka.tools.EndToEndLatency",
            bootstrap,
            topic,
            String.valueOf(count),
            acks,
            "100");
    Matcher m = PERCENTILES.matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no result from EndToEndLatency: " + out);
    }
    return m.group(1) + " / " + m.group(2) + " / " + m.group(3);
  }
}
