package dev.eventshop.broker.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Three mini-broker nodes against three Apache Kafka nodes (KRaft, every node broker and
 * controller), each cluster started here as processes on the same machine in the same run: the time
 * until the cluster is ready, producer throughput with acks=all to a topic with replication factor
 * 3 and min.insync.replicas 2, end-to-end latency with acks=all, and the failover time: from
 * SIGKILLing a partition's leader to the next acknowledged produce of an idempotent producer that
 * writes all the time. Not a test: run it with {@code bench/cluster-bench.sh}.
 *
 * <p>Arguments: {@code [records] [runs]}, default 1,000,000 records of 100 bytes, median of 3.
 */
public final class ClusterBenchmark {

  private static final int NODES = 3;

  private final int records;
  private final int runs;
  private final PerfTools perf;
  private final Path work;

  private ClusterBenchmark(int records, int runs, Path work) {
    this.records = records;
    this.runs = runs;
    this.work = work;
    this.perf = new PerfTools(work);
  }

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path work = Files.createTempDirectory("cluster-bench");
    new ClusterBenchmark(records, runs, work).run();
  }

  private void run() throws Exception {
    Map<String, String> mini;
    try (BenchCluster cluster =
        BenchCluster.miniBroker(work.resolve("mini"), NODES, BenchCluster.MINI_BROKER_JVM)) {
      mini = measure(cluster);
    }
    Map<String, String> kafka;
    try (BenchCluster cluster = BenchCluster.apacheKafka(work.resolve("kafka"), NODES)) {
      kafka = measure(cluster);
    }
    String description =
        ("Run on %s, %d cores, %s, %d nodes, topics with replication factor 3 and"
                + " min.insync.replicas 2, %d records x 100 B, median of %d after a warm-up.")
            .formatted(
                LocalDate.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                NODES,
                records,
                runs);
    BenchProcesses.report(
        BenchProcesses.table(description, mini, kafka), "cluster-" + LocalDate.now() + ".md");
  }

  private Map<String, String> measure(BenchCluster cluster) throws Exception {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("cluster ready (ms)", String.valueOf(cluster.readyMs));
    BrokerBenchmark.createTopic(cluster.bootstrap, replicated("throughput", 3));
    perf.produce(cluster.bootstrap, "throughput", "all", Math.max(1, records / 5)); // warm-up
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      rates.add(perf.produce(cluster.bootstrap, "throughput", "all", records));
    }
    r.put("produce acks=all, 3 partitions (rec/s)", "%.0f".formatted(BenchProcesses.median(rates)));
    BrokerBenchmark.createTopic(cluster.bootstrap, replicated("latency", 1));
    r.put(
        "end-to-end latency acks=all p50/p99/p99.9 (ms)",
        perf.endToEndLatency(cluster.bootstrap, "latency", Math.min(records, 10_000), "all"));
    BrokerBenchmark.createTopic(cluster.bootstrap, replicated("failover", 1));
    List<Double> failovers = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      failovers.add((double) failoverMs(cluster));
    }
    r.put(
        "failover: leader SIGKILLed to next acknowledged produce (ms)",
        "%.0f".formatted(BenchProcesses.median(failovers)));
    r.put("peak resident memory, sum over nodes (MB)", String.valueOf(cluster.peakRssMb()));
    return r;
  }

  private static NewTopic replicated(String name, int partitions) {
    return new NewTopic(name, partitions, (short) 3).configs(Map.of("min.insync.replicas", "2"));
  }

  /**
   * Kills the leader of partition 0 of "failover" while a producer sends one record after another
   * (client defaults, acks=all, idempotent), and returns the time from the kill to the first
   * acknowledgement that arrives after it; then starts the node again and waits until it is back in
   * the ISR.
   */
  private long failoverMs(BenchCluster cluster) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", cluster.bootstrap);
    props.put("acks", "all");
    AtomicLong killedAt = new AtomicLong();
    AtomicLong firstAckAfterKill = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    byte[] value = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
    try (Admin admin = Admin.create(props);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>("failover", 0, null, value)).get(30, TimeUnit.SECONDS);
      int leader = partition0(admin).leader().id();
      Thread sender =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (!stop.get() && System.nanoTime() < deadline) {
                  try {
                    producer.send(new ProducerRecord<>("failover", 0, null, value)).get();
                    long now = System.nanoTime();
                    long kill = killedAt.get();
                    if (kill != 0 && now > kill) {
                      firstAckAfterKill.compareAndSet(0, now);
                    }
                  } catch (Exception e) {
                    // a send that failed for good: the next one tries again
                  }
                }
              },
              "failover-sender");
      sender.start();
      Thread.sleep(1000);
      killedAt.set(System.nanoTime());
      cluster.kill(leader);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (firstAckAfterKill.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      stop.set(true);
      sender.join(TimeUnit.MINUTES.toMillis(3));
      if (firstAckAfterKill.get() == 0) {
        throw new IllegalStateException(cluster.name + ": no produce succeeded within 2 minutes");
      }
      cluster.restart(leader);
      awaitFullIsr(admin);
      return TimeUnit.NANOSECONDS.toMillis(firstAckAfterKill.get() - killedAt.get());
    }
  }

  private static TopicPartitionInfo partition0(Admin admin) throws Exception {
    TopicDescription description =
        admin
            .describeTopics(List.of("failover"))
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .get("failover");
    return description.partitions().get(0);
  }

  private static void awaitFullIsr(Admin admin) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      try {
        if (partition0(admin).isr().size() == NODES) {
          return;
        }
      } catch (Exception notYet) {
        // the restarted node may not answer yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the restarted node did not rejoin the ISR in 2 minutes");
  }
}
