package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker down for a while misses many small segments, and the leader's retention deletes the ones
 * it would need, so its log ends before the leader's log start. Restarted, it must start over at
 * the leader's log start (the leader answers its fetch with OFFSET_OUT_OF_RANGE), catch up, rejoin
 * the ISR and, being the preferred replica, take leadership back; a checking consumer then reads
 * the partition from it and finds every acknowledged record that retention kept, once and in order.
 */
class FollowerCatchUpIT {

  static final String TOPIC = "events";
  static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void brokerBehindTheLeadersLogStartStartsOverThereAndRejoins() throws Exception {
    try (ProcessCluster cluster =
        ProcessCluster.start(dir, 3, "log.retention.check.interval.ms=500")) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("segment.bytes", "4096", "retention.bytes", "16384"));
      int preferred =
          idsOf(
                  cluster
                      .awaitPartition(
                          TOPIC,
                          0,
                          "its preferred leader",
                          p -> leaderOf(p) == p.replicas().get(0).id())
                      .replicas())
              .get(0);

      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(cluster.bootstrap(), TOPIC, 1)) {
        producer.awaitMoreAcks(500);
        cluster.kill(preferred);
        long sentBeforeKill = producer.acknowledged(0).lastKey() + 5_000; // generous: in flight too
        awaitLogStartBeyond(cluster, sentBeforeKill);

        cluster.restart(preferred);
        cluster.awaitPartition(TOPIC, 0, "3 in sync", p -> p.isr().size() == 3);
        assertThat(cluster.output(preferred))
            .as("the restarted broker's log")
            .anyMatch(line -> line.contains("starting over there"));
        cluster.awaitPartition(
            TOPIC, 0, "its preferred leader back", p -> leaderOf(p) == preferred);
        producer.awaitMoreAcks(500);
        producer.stopSending();

        Map<Long, String> records = CheckingConsumer.readAll(cluster.bootstrap(), TP);
        assertThat(records.keySet().iterator().next()).isGreaterThan(sentBeforeKill);
        CheckingConsumer.assertOnceInOrder(TP, records, producer.acknowledged(0));
      }
    }
  }

  /** Waits until retention on the leader has moved the log start beyond {@code offset}. */
  private static void awaitLogStartBeyond(ProcessCluster cluster, long offset) {
    await("the leader's log start offset beyond " + offset)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        // while leadership moves, listOffsets fails: ask again
        .ignoreExceptions()
        .until(
            () ->
                cluster
                    .admin()
                    .listOffsets(Map.of(TP, OffsetSpec.earliest()))
                    .partitionResult(TP)
                    .get(10, TimeUnit.SECONDS)
                    .offset(),
            logStart -> logStart > offset);
  }
}
