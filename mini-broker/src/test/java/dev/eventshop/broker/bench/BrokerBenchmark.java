package dev.eventshop.broker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Runs Kafka's own perf tools against mini-broker and against Apache Kafka, both started here as
 * separate processes on the same machine in the same run, and prints a markdown table with the
 * ratios. Not a test: run it with {@code bench/broker-bench.sh}.
 *
 * <p>Arguments: {@code [records] [runs]}, default 1,000,000 records of 100 bytes, median of 3 runs
 * after one warm-up run per broker and workload.
 */
public final class BrokerBenchmark {

  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final String CLASSPATH = System.getProperty("java.class.path");
  private static final Pattern RECORDS_PER_SEC = Pattern.compile("([\\d.]+) records/sec");

  private final int records;
  private final int runs;
  private final Path work;

  private BrokerBenchmark(int records, int runs, Path work) {
    this.records = records;
    this.runs = runs;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path work = Files.createTempDirectory("broker-bench");
    new BrokerBenchmark(records, runs, work).run();
  }

  /** A broker under test: its process and how long it took to become usable. */
  private record Running(String name, Process process, String bootstrap, long readyMs) {}

  private void run() throws Exception {
    Map<String, Map<String, String>> results = new LinkedHashMap<>();
    long plainReadyMs = plainMiniBrokerReadyMs();
    for (String broker : List.of("mini-broker", "Apache Kafka")) {
      Running running =
          broker.equals("mini-broker") ? startMiniBroker(MINI_BROKER_JVM) : startApacheKafka();
      try {
        results.put(broker, measure(running));
      } finally {
        stop(running);
      }
    }
    results.get("mini-broker").put("ready, plain java -jar (ms)", String.valueOf(plainReadyMs));
    results.get("Apache Kafka").put("ready, plain java -jar (ms)", "-");
    String table = table(results);
    System.out.println(table);
    Path out = Path.of("bench/results/broker-" + LocalDate.now() + ".md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
    System.out.println("written to " + out);
  }

  private static void stop(Running running) throws InterruptedException {
    running.process().destroy();
    if (!running.process().waitFor(30, TimeUnit.SECONDS)) {
      running.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Map<String, String> measure(Running broker) throws Exception {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("ready (ms)", String.valueOf(broker.readyMs()));
    for (String acks : List.of("1", "all")) {
      String topic = "produce-acks-" + acks;
      createTopic(broker, topic);
      producerPerformance(broker, topic, acks, Math.max(1, records / 5)); // warm-up
      List<Double> rates = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        rates.add(producerPerformance(broker, topic, acks, records));
      }
      r.put("produce acks=" + acks + " (rec/s)", "%.0f".formatted(median(rates)));
    }
    List<Double> consume = new ArrayList<>();
    List<Double> fetchPhase = new ArrayList<>();
    consumerPerformance(broker, "produce-acks-1", records);
    for (int i = 0; i < runs; i++) {
      double[] rates = consumerPerformance(broker, "produce-acks-1", records);
      consume.add(rates[0]);
      fetchPhase.add(rates[1]);
    }
    r.put("consume (rec/s)", "%.0f".formatted(median(consume)));
    r.put("consume, fetch phase only (rec/s)", "%.0f".formatted(median(fetchPhase)));
    createTopic(broker, "latency");
    String latency = endToEndLatency(broker, "latency", Math.min(records, 10_000));
    r.put("end-to-end latency p50/p99/p99.9 (ms)", latency);
    r.put("peak resident memory (MB)", String.valueOf(peakRssKb(broker.process().pid()) / 1024));
    return r;
  }

  private static void createTopic(Running broker, String topic) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrap());
    try (Admin admin = Admin.create(props)) {
      if (!admin.listTopics().names().get().contains(topic)) {
        admin
            .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
    }
  }

  private double producerPerformance(Running broker, String topic, String acks, int count)
      throws Exception {
    String out =
        tool(
            "org.apache.kafka.tools.ProducerPerformance",
            "--topic",
            topic,
            "--num-records",
            String.valueOf(count),
            "--record-size",
            "100",
            "--throughput",
            "-1",
            "--producer-props",
            "bootstrap.servers=" + broker.bootstrap(),
            "acks=" + acks);
    Matcher m = RECORDS_PER_SEC.matcher(lastLineWith(out, "records sent"));
    if (!m.find()) {
      throw new IllegalStateException("no result from ProducerPerformance: " + out);
    }
    return Double.parseDouble(m.group(1));
  }

  /**
   * ConsumerPerformance's overall rate (from start, group join included) and its rate over the
   * fetch phase only (after the group's first assignment).
   */
  private double[] consumerPerformance(Running broker, String topic, int count) throws Exception {
    String out =
        tool(
            "org.apache.kafka.tools.ConsumerPerformance",
            "--bootstrap-server",
            broker.bootstrap(),
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

  private String endToEndLatency(Running broker, String topic, int count) throws Exception {
    String out =
        tool(
            "org.apache.kafka.tools.EndToEndLatency",
            broker.bootstrap(),
            topic,
            String.valueOf(count),
            "1",
            "100");
    Matcher m =
        Pattern.compile("50th = ([\\d.]+), 99th = ([\\d.]+), 99.9th = ([\\d.]+)").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("no result from EndToEndLatency: " + out);
    }
    return m.group(1) + " / " + m.group(2) + " / " + m.group(3);
  }

  private String tool(String mainClass, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                JAVA,
                "-Xmx1g",
                "-cp",
                CLASSPATH,
                "-Dlogback.configurationFile=" + quietLogback(),
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

  private Path quietLogback() throws IOException {
    Path file = work.resolve("logback-quiet.xml");
    if (!Files.exists(file)) {
      Files.writeString(file, "<configuration><root level=\"WARN\"/></configuration>\n");
    }
    return file;
  }

  /**
   * The JVM options docs/broker.md recommends: a 256 MB heap and the class-data-sharing archive the
   * build writes beside the jar.
   */
  static final List<String> MINI_BROKER_JVM =
      List.of("-Xmx256m", "-XX:SharedArchiveFile=mini-broker/target/mini-broker.jsa");

  private Running startMiniBroker(List<String> jvmOptions) throws Exception {
    int port = freePort();
    Path config = work.resolve("mini-broker.properties");
    Files.writeString(
        config,
        "node.id=1\nlisteners=PLAINTEXT://127.0.0.1:"
            + port
            + "\nlog.dirs="
            + work.resolve("mini-logs")
            // As for Apache Kafka below: a new group forms at once, not after 3 s.
            + "\ngroup.initial.rebalance.delay.ms=0\n");
    List<String> command = new ArrayList<>(List.of(JAVA));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", "mini-broker/target/mini-broker.jar", config.toString()));
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains(" ready on ")) {
        break;
      }
    }
    long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    drain(out);
    return new Running("mini-broker", p, "127.0.0.1:" + port, readyMs);
  }

  /**
   * The ready time of a plain {@code java -jar mini-broker.jar}, without the recommended options.
   */
  private long plainMiniBrokerReadyMs() throws Exception {
    Running plain = startMiniBroker(List.of());
    stop(plain);
    return plain.readyMs();
  }

  /** Apache Kafka in KRaft combined mode, formatted and started as its own start script would. */
  private Running startApacheKafka() throws Exception {
    int port = freePort();
    int controller = freePort();
    Path logs = work.resolve("kafka-logs");
    Path config = work.resolve("kafka.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controller,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + logs,
            "offsets.topic.replication.factor=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            ""));
    Process format =
        new ProcessBuilder(
                JAVA,
                "-cp",
                CLASSPATH,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                "bench-cluster-0000000001",
                "-c",
                config.toString())
            .redirectErrorStream(true)
            .start();
    String formatOut = new String(format.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!format.waitFor(2, TimeUnit.MINUTES) || format.exitValue() != 0) {
      throw new IllegalStateException("kafka-storage format failed: " + formatOut);
    }
    long start = System.nanoTime();
    // The JVM options of Kafka's own start script.
    Process p =
        new ProcessBuilder(
                JAVA,
                "-Xmx1G",
                "-Xms1G",
                "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=20",
                "-cp",
                CLASSPATH,
                "kafka.Kafka",
                config.toString())
            .redirectErrorStream(true)
            .start();
    drain(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    Properties props = new Properties();
    props.put("bootstrap.servers", "127.0.0.1:" + port);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      if (accepts(port)) {
        try (Admin admin = Admin.create(props)) {
          admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
          break;
        } catch (Exception notYet) {
          // keep waiting
        }
      }
      Thread.sleep(20);
    }
    long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new Running("Apache Kafka", p, "127.0.0.1:" + port, readyMs);
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void drain(BufferedReader out) {
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

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static long peakRssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  private static String lastLineWith(String out, String marker) {
    String found = "";
    for (String line : out.split("\n")) {
      if (line.contains(marker)) {
        found = line;
      }
    }
    return found;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  private String table(Map<String, Map<String, String>> results) {
    Map<String, String> mini = results.get("mini-broker");
    Map<String, String> kafka = results.get("Apache Kafka");
    StringBuilder out = new StringBuilder();
    out.append("Run on ")
        .append(LocalDate.now())
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(System.getProperty("java.version"))
        .append(", ")
        .append(records)
        .append(" records x 100 B, 1 partition, median of ")
        .append(runs)
        .append(" after a warm-up.\n\n");
    out.append(
        "| measure | mini-broker | Apache Kafka | ratio (mini / Kafka) |\n|---|---|---|---|\n");
    for (String key : mini.keySet()) {
      String ratio = "";
      try {
        ratio =
            "%.2f"
                .formatted(Double.parseDouble(mini.get(key)) / Double.parseDouble(kafka.get(key)));
      } catch (NumberFormatException notANumber) {
        ratio = "-";
      }
      out.append("| ")
          .append(key)
          .append(" | ")
          .append(mini.get(key))
          .append(" | ")
          .append(kafka.get(key))
          .append(" | ")
          .append(ratio)
          .append(" |\n");
    }
    return out.toString();
  }
}
