package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded chaos for transactions: three broker processes, a random one SIGKILLed and restarted
 * every few seconds (the transaction coordinator among them), while a transactional producer writes
 * one record to each of three partitions per transaction and commits. At the end, a read_committed
 * consumer must find every transaction whose commit returned, on every partition, once and in
 * order; none whose abort returned; and of those whose outcome the producer could not learn (a
 * commit that timed out, a producer replaced after an error), each either on every partition or on
 * none. {@code -Dchaos.seed=<seed>} replays the random choices; {@code -Dchaos.seconds=<n>} sets
 * the duration (30 s here).
 */
@Timeout(300)
class TransactionalChaosIT {

  static final String TOPIC = "transfers";
  static final int PARTITIONS = 3;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  enum Outcome {
    COMMITTED,
    ABORTED,
    UNKNOWN
  }

  final Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();

  @Test
  void transactionsStayAtomicWhileBrokersAreKilled() throws Exception {
    long seed = Long.getLong("chaos.seed", System.nanoTime());
    long seconds = Long.getLong("chaos.seconds", 30);
    System.out.printf("transactional chaos seed %d, %d s%n", seed, seconds);
    Random random = new Random(seed);
    try (ProcessCluster cluster = ProcessCluster.start(dir, 3)) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of());
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicReference<Throwable> crashed = new AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                try {
                  writeTransactions(cluster.bootstrap(), running);
                } catch (Throwable t) {
                  crashed.set(t);
                }
              },
              "transactional-writer");
      writer.start();
      int kills = 0;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      try {
        while (System.nanoTime() < end) {
          cluster.killOneAtRandomAndRestart(random, TOPIC, PARTITIONS);
          kills++;
        }
        // A few transactions on a quiet cluster, so that the run ends with known commits.
        int before = committed().size();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> committed().size() >= before + 3 || crashed.get() != null);
      } finally {
        running.set(false);
        writer.join(TimeUnit.SECONDS.toMillis(120));
      }
      assertThat(crashed.get()).as("the writer's unexpected failure").isNull();
      assertThat(writer.isAlive()).as("writer still running").isFalse();

      Map<Integer, List<Integer>> seen = readCommitted(cluster);
      Set<Integer> present = new HashSet<>();
      seen.values().forEach(present::addAll);
      System.out.printf(
          "transactional chaos: %d kills, %d committed, %d aborted, %d unknown, %d present%n",
          kills,
          committed().size(),
          count(Outcome.ABORTED),
          count(Outcome.UNKNOWN),
          present.size());
      assertThat(committed()).isNotEmpty();
      for (int p = 0; p < PARTITIONS; p++) {
        List<Integer> partition = seen.getOrDefault(p, List.of());
        assertThat(partition).as("partition %d: once each, in order", p).isSorted();
        assertThat(new HashSet<>(partition))
            .as("partition %d: no duplicates", p)
            .hasSize(partition.size());
        assertThat(new HashSet<>(partition))
            .as("partition %d: every transaction that is anywhere is here (atomicity)", p)
            .isEqualTo(present);
      }
      assertThat(present).as("every committed transaction").containsAll(committed());
      for (Map.Entry<Integer, Outcome> e : outcomes.entrySet()) {
        if (e.getValue() == Outcome.ABORTED) {
          assertThat(present).as("aborted transaction %d", e.getKey()).doesNotContain(e.getKey());
        }
      }
      assertThat(outcomes.keySet()).containsAll(present);
    }
  }

  private Set<Integer> committed() {
    Set<Integer> result = new HashSet<>();
    outcomes.forEach(
        (t, outcome) -> {
          if (outcome == Outcome.COMMITTED) {
            result.add(t);
          }
        });
    return result;
  }

  private long count(Outcome outcome) {
    return outcomes.values().stream().filter(o -> o == outcome).count();
  }

  /**
   * Transactions one after another until stopped. A failure before the commit aborts; a producer
   * that cannot go on (fenced, or its commit's outcome unknown) is replaced, which aborts whatever
   * it left open.
   */
  private void writeTransactions(String bootstrap, AtomicBoolean running) {
    int t = 0;
    KafkaProducer<String, String> producer = null;
    while (running.get()) {
      if (producer == null) {
        producer = newProducer(bootstrap);
        if (producer == null) {
          continue;
        }
      }
      int transaction = t++;
      outcomes.put(transaction, Outcome.UNKNOWN);
      boolean commitStarted = false;
      try {
        producer.beginTransaction();
        for (int p = 0; p < PARTITIONS; p++) {
          producer.send(new ProducerRecord<>(TOPIC, p, null, String.valueOf(transaction)));
        }
        producer.flush();
        commitStarted = true;
        producer.commitTransaction();
        outcomes.put(transaction, Outcome.COMMITTED);
      } catch (RuntimeException e) {
        if (!commitStarted && abort(producer)) {
          outcomes.put(transaction, Outcome.ABORTED);
        } else {
          producer.close(Duration.ZERO);
          producer = null;
        }
      }
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
  }

  private static boolean abort(KafkaProducer<String, String> producer) {
    try {
      producer.abortTransaction();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static KafkaProducer<String, String> newProducer(String bootstrap) {
    KafkaProducer<String, String> producer =
        Clients.producer(
            bootstrap,
            "transactional.id=chaos-writer",
            "transaction.timeout.ms=10000",
            "max.block.ms=30000",
            "delivery.timeout.ms=30000");
    try {
      producer.initTransactions();
      return producer;
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      return null;
    }
  }

  /** Waits until no transaction is open on any partition, then reads them read_committed. */
  private static Map<Integer, List<Integer>> readCommitted(ProcessCluster cluster) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      tps.add(new TopicPartition(TOPIC, p));
    }
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    tps.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, Long> stable = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              var committedEnds =
                  cluster
                      .admin()
                      .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                      .all()
                      .get(10, TimeUnit.SECONDS);
              var ends = cluster.admin().listOffsets(latest).all().get(10, TimeUnit.SECONDS);
              for (TopicPartition tp : tps) {
                stable.put(tp, committedEnds.get(tp).offset());
              }
              return tps.stream()
                  .allMatch(tp -> committedEnds.get(tp).offset() == ends.get(tp).offset());
            });
    Map<Integer, List<Integer>> seen = new HashMap<>();
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(cluster.bootstrap(), "isolation.level=read_committed")) {
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline
          && tps.stream().anyMatch(tp -> consumer.position(tp) < stable.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          seen.computeIfAbsent(r.partition(), k -> new ArrayList<>())
              .add(Integer.parseInt(r.value()));
        }
      }
    }
    return seen;
  }
}
