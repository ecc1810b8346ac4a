package dev.eventshop.broker.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * How long a consumer group takes to share a topic's partitions among three members, and to hand a
 * leaving member's partitions to the other two, with the classic protocol and with the consumer
 * group protocol of KIP-848, on one mini-broker and one Apache Kafka broker started here as
 * processes in the same run. Both brokers and clients keep their defaults (classic members: 3 s
 * heartbeats; consumer groups: the broker's 5 s heartbeat interval), except {@code
 * group.initial.rebalance.delay.ms=0}. Not a test: run it with {@code bench/group-bench.sh}.
 *
 * <p>Arguments: {@code [rounds]}, default 3; each measure is the median over the rounds, each round
 * a new group on a new topic of 12 partitions.
 */
public final class GroupRebalanceBenchmark {

  static final int PARTITIONS = 12;

  private final int rounds;

  private GroupRebalanceBenchmark(int rounds) {
    this.rounds = rounds;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path work = Files.createTempDirectory("group-bench");
    new GroupRebalanceBenchmark(rounds).run(work);
  }

  private void run(Path work) throws Exception {
    Map<String, String> mini;
    try (BenchCluster broker = BenchCluster.miniBroker(work, 1, BenchCluster.MINI_BROKER_JVM)) {
      mini = measure(broker.bootstrap);
    }
    Map<String, String> kafka;
    try (BenchCluster broker = BenchCluster.apacheKafka(work, 1)) {
      kafka = measure(broker.bootstrap);
    }
    String description =
        ("Run on %s, %d cores, %s: three consumers subscribe to a topic of %d partitions (time"
                + " until each has 4 and together all 12), then one closes (time until the two"
                + " others have 6 each); median of %d rounds.")
            .formatted(
                LocalDate.now(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                PARTITIONS,
                rounds);
    BenchProcesses.report(
        BenchProcesses.table(description, mini, kafka), "groups-" + LocalDate.now() + ".md");
  }

  private Map<String, String> measure(String bootstrap) throws Exception {
    Map<String, String> r = new LinkedHashMap<>();
    for (String protocol : List.of("classic", "consumer")) {
      List<Double> joins = new ArrayList<>();
      List<Double> leaves = new ArrayList<>();
      List<Integer> generations = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        String topic = "rebalance-" + protocol + "-" + round;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
          admin
              .createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1)))
              .all()
              .get(30, TimeUnit.SECONDS);
        }
        double[] times = rebalances(bootstrap, topic, protocol);
        joins.add(times[0]);
        leaves.add(times[1]);
        generations.add((int) times[2]);
      }
      String name = protocol.equals("classic") ? "classic" : "consumer (KIP-848)";
      r.put(name + ": 3 members share the partitions (ms)", "%.0f".formatted(median(joins)));
      r.put(name + ": one leaves, 2 take over (ms)", "%.0f".formatted(median(leaves)));
      r.put(
          name + ": sharing, each round (ms / generation or epoch)",
          IntStream.range(0, rounds)
              .mapToObj(i -> "%.0f/%d".formatted(joins.get(i), generations.get(i)))
              .collect(Collectors.joining(" ")));
    }
    return r;
  }

  private static double median(List<Double> values) {
    return BenchProcesses.median(values);
  }

  /**
   * The two times, in ms, for one new group of three members on {@code topic}, and the group's
   * generation (classic) or epoch (consumer) once they shared the partitions.
   */
  private static double[] rebalances(String bootstrap, String topic, String protocol)
      throws Exception {
    String group = "bench-" + topic;
    List<Member> members = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      members.add(new Member(bootstrap, group, topic, protocol));
    }
    try {
      await(() -> shared(members, 4), "3 members sharing " + topic);
      double join = (System.nanoTime() - start) / 1e6;
      int generation = members.get(0).generation;
      Member leaving = members.remove(2);
      long left = System.nanoTime();
      leaving.close();
      await(() -> shared(members, 6), "2 members sharing " + topic);
      return new double[] {join, (System.nanoTime() - left) / 1e6, generation};
    } finally {
      for (Member m : members) {
        m.close();
      }
    }
  }

  /** Whether each member holds {@code each} partitions and together all of them. */
  private static boolean shared(List<Member> members, int each) {
    Set<TopicPartition> all = new HashSet<>();
    for (Member m : members) {
      Set<TopicPartition> assigned = m.assignment;
      if (assigned.size() != each) {
        return false;
      }
      all.addAll(assigned);
    }
    return all.size() == PARTITIONS;
  }

  private static void await(BooleanSupplier done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + ": not reached in 120 s");
      }
      Thread.sleep(5);
    }
  }

  /** A group member polling in its own thread, publishing its assignment after every poll. */
  private static final class Member implements AutoCloseable {
    volatile Set<TopicPartition> assignment = Set.of();
    volatile int generation;
    private volatile boolean running = true;
    private final Thread thread;

    Member(String bootstrap, String group, String topic, String protocol) {
      Properties props = new Properties();
      props.put("bootstrap.servers", bootstrap);
      props.put("group.id", group);
      props.put("group.protocol", protocol);
      thread =
          new Thread(
              () -> {
                try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(
                        props, new StringDeserializer(), new StringDeserializer())) {
                  consumer.subscribe(List.of(topic));
                  while (running) {
                    consumer.poll(Duration.ofMillis(20));
                    assignment = Set.copyOf(consumer.assignment());
                    generation = consumer.groupMetadata().generationId();
                  }
                }
              },
              "bench-member");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(60_000);
    }
  }
}
