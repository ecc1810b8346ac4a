package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded chaos: three broker processes, and every few seconds a random one is killed with SIGKILL
 * and, a moment later, started again, while an idempotent acks=all producer writes all the time to
 * an RF=3 topic of several partitions and a consumer group reads it. At the end a checking consumer
 * proves that every acknowledged record is present exactly once and in order per partition, and the
 * group has read every partition without a gap.
 *
 * <p>One broker is down at a time, and the next is killed only once the last one is back in every
 * ISR: with three metadata voters, a second failure would stop the cluster, not test it. The random
 * choices come from a seed printed at the start; {@code -Dchaos.seed=<seed>} replays them and
 * {@code -Dchaos.seconds=<n>} sets the duration (45 s here; {@code bench/chaos.sh} runs longer),
 * and {@code -Dchaos.groupProtocol=consumer} makes the group a consumer group (KIP-848) instead of
 * a classic one; {@code mixed} gives it two members, a classic one and one of KIP-848's: a group
 * halfway through a rolling upgrade (online migration).
 */
class ClusterChaosIT {

  static final String TOPIC = "chaos";
  static final String GROUP = "chaos-readers";
  static final int PARTITIONS = 4;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void everyAcknowledgedRecordSurvivesRandomBrokerKills() throws Exception {
    long seed = Long.getLong("chaos.seed", System.nanoTime());
    long seconds = Long.getLong("chaos.seconds", 45);
    String protocol = System.getProperty("chaos.groupProtocol", "classic");
    System.out.printf(
        "chaos seed %d (replay with -Dchaos.seed=%d), %d s, group protocol %s%n",
        seed, seed, seconds, protocol);
    Random random = new Random(seed);
    int kills = 0;
    try (ProcessCluster cluster = ProcessCluster.start(dir, 3)) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of());
      try (GroupReader reader = new GroupReader(cluster.bootstrap(), protocol);
          AcknowledgedProducer producer =
              new AcknowledgedProducer(cluster.bootstrap(), TOPIC, PARTITIONS)) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
          cluster.killOneAtRandomAndRestart(random, TOPIC, PARTITIONS);
          kills++;
        }
        producer.awaitMoreAcks(1_000);
        producer.stopSending();
        long read =
            CheckingConsumer.assertEveryAcknowledgedRecordOnceInOrder(
                cluster.bootstrap(), producer);
        System.out.printf(
            "chaos: %d kills, %d records acknowledged, %d read back, %d sends failed%n",
            kills, producer.acknowledgedCount(), read, producer.failures());
        assertThat(kills).isPositive();
        for (int p = 0; p < PARTITIONS; p++) {
          long endOffset = producer.acknowledged(p).lastKey() + 1;
          reader.awaitReadTo(new TopicPartition(TOPIC, p), endOffset);
        }
      }
    }
  }

  /**
   * The group's members ({@code mixed}: a classic one and one of KIP-848's), each polling in its
   * own thread with automatic commits; they record how far the group has read each partition and
   * fail on a gap (a record further than the next one expected). Re-reading after a rebalance or a
   * coordinator move is allowed: the group is at least once.
   */
  static final class GroupReader implements AutoCloseable {
    private final Map<TopicPartition, Long> next = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new java.util.ArrayList<>();
    private volatile boolean running = true;

    GroupReader(String bootstrap, String protocol) {
      for (String p :
          protocol.equals("mixed") ? List.of("classic", "consumer") : List.of(protocol)) {
        threads.add(member(bootstrap, p));
      }
    }

    private Thread member(String bootstrap, String protocol) {
      Thread thread =
          new Thread(
              () -> {
                try (KafkaConsumer<String, String> member =
                    Clients.member(
                        bootstrap,
                        GROUP,
                        "auto.commit.interval.ms=500",
                        "group.protocol=" + protocol)) {
                  member.subscribe(List.of(TOPIC));
                  while (running) {
                    poll(member);
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              },
              "chaos-group-reader-" + protocol);
      thread.start();
      return thread;
    }

    private void poll(KafkaConsumer<String, String> member) {
      try {
        for (ConsumerRecord<String, String> r : member.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          long expected = next.getOrDefault(tp, 0L);
          if (r.offset() > expected) {
            throw new AssertionError(tp + ": read offset " + r.offset() + ", expected " + expected);
          }
          next.put(tp, r.offset() + 1);
        }
      } catch (KafkaException e) {
        // a coordinator or leader moving; the consumer recovers on the next poll
      }
    }

    void awaitReadTo(TopicPartition tp, long offset) {
      await("the group reads " + tp + " up to " + offset)
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> next.getOrDefault(tp, 0L) >= offset || failure.get() != null);
      assertThat(failure.get()).isNull();
      assertThat(next.getOrDefault(tp, 0L))
          .as("group read %s up to", tp)
          .isGreaterThanOrEqualTo(offset);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    }
  }
}
