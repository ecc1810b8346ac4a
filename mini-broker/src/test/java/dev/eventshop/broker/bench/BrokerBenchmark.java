package dev.eventshop.broker.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Runs Kafka's own perf tools against one mini-broker and one Apache Kafka broker, both started
 * here as separate processes on the same machine in the same run, and prints a markdown table with
 * the ratios. Not a test: run it with {@code bench/broker-bench.sh}.
 *
 * <p>Arguments: {@code [records] [runs]}, default 1,000,000 records of 100 bytes, median of 3 runs
 * after one warm-up run per broker and workload.
 */
public final class BrokerBenchmark {

  private final int records;
  private final int runs;
  private final Path work;
  private final PerfTools perf;

  private BrokerBenchmark(int records, int runs, Path work) {
    this.records = records;
    this.runs = runs;
    this.work = work;
    this.perf = new PerfTools(work);
  }

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path work = Files.createTempDirectory("broker-bench");
    new BrokerBenchmark(records, runs, work).run();
  }

  private void run() throws Exception {
    long plainReadyMs;
    try (BenchCluster plain = BenchCluster.miniBroker(work.resolve("plain"), 1, List.of())) {
      plainReadyMs = plain.readyMs;
    }
    Map<String, String> mini;
    try (BenchCluster broker = BenchCluster.miniBroker(work, 1, BenchCluster.MINI_BROKER_JVM)) {
      mini = measure(broker);
    }
    Map<String, String> kafka;
    try (BenchCluster broker = BenchCluster.apacheKafka(work, 1)) {
      kafka = measure(broker);
    }
    mini.put("ready, plain java -jar (ms)", String.valueOf(plainReadyMs));
    kafka.put("ready, plain java -jar (ms)", "-");
    String description =
        "Run on %s, %d cores, %s, %d records x 100 B, 1 partition, median of %d after a warm-up."
            .formatted(
                LocalDate.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                records,
                runs);
    BenchProcesses.report(
        BenchProcesses.table(description, mini, kafka), "broker-" + LocalDate.now() + ".md");
  }

  private Map<String, String> measure(BenchCluster broker) throws Exception {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("ready (ms)", String.valueOf(broker.readyMs));
    for (String acks : List.of("1", "all")) {
      String topic = "produce-acks-" + acks;
      createTopic(broker.bootstrap, topic);
      perf.produce(broker.bootstrap, topic, acks, Math.max(1, records / 5)); // warm-up
      List<Double> rates = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        rates.add(perf.produce(broker.bootstrap, topic, acks, records));
      }
      r.put("produce acks=" + acks + " (rec/s)", "%.0f".formatted(BenchProcesses.median(rates)));
    }
    String transactional = "produce-transactional";
    createTopic(broker.bootstrap, transactional);
    perf.produceTransactional(broker.bootstrap, transactional, Math.max(1, records / 5), 100);
    List<Double> transactionalRates = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      transactionalRates.add(
          perf.produceTransactional(broker.bootstrap, transactional, records, 100));
    }
    r.put(
        "produce transactional, a commit every 100 ms (rec/s)",
        "%.0f".formatted(BenchProcesses.median(transactionalRates)));
    List<Double> consume = new ArrayList<>();
    List<Double> fetchPhase = new ArrayList<>();
    perf.consume(broker.bootstrap, "produce-acks-1", records); // warm-up
    for (int i = 0; i < runs; i++) {
      double[] rates = perf.consume(broker.bootstrap, "produce-acks-1", records);
      consume.add(rates[0]);
      fetchPhase.add(rates[1]);
    }
    r.put("consume (rec/s)", "%.0f".formatted(BenchProcesses.median(consume)));
    r.put("consume, fetch phase only (rec/s)", "%.0f".formatted(BenchProcesses.median(fetchPhase)));
    createTopic(broker.bootstrap, "latency");
    r.put(
        "end-to-end latency p50/p99/p99.9 (ms)",
        perf.endToEndLatency(broker.bootstrap, "latency", Math.min(records, 10_000), "1"));
    r.put("peak resident memory (MB)", String.valueOf(broker.peakRssMb()));
    return r;
  }

  static void createTopic(String bootstrap, String topic) throws Exception {
    createTopic(bootstrap, new NewTopic(topic, 1, (short) 1));
  }

  static void createTopic(String bootstrap, NewTopic topic) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(props)) {
      if (!admin.listTopics().names().get().contains(topic.name())) {
        admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
      }
    }
  }
}
