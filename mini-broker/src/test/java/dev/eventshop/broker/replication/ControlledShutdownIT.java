package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful shutdown (SIGTERM) moves a broker's leaderships to other in-sync replicas before it
 * stops serving, so the partitions it led have new leaders the moment it is gone, without waiting
 * for its session to expire; when it returns and is back in sync, the preferred leader election
 * gives it its partitions back. Both seen through Admin describeTopics, with an acks=all producer
 * writing throughout whose every acknowledged record is then checked.
 */
class ControlledShutdownIT {

  static final String TOPIC = "inventory";
  static final int PARTITIONS = 3;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void gracefulShutdownMovesLeadershipFirstAndPreferredLeadersReturn() throws Exception {
    // A session far longer than the test's waits: leadership can only move by controlled shutdown.
    try (ProcessCluster cluster =
        ProcessCluster.start(dir, 3, "broker.session.timeout.ms=120000")) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of());
      for (int p = 0; p < PARTITIONS; p++) {
        cluster.awaitPartition(
            TOPIC,
            p,
            "its preferred leader",
            info -> leaderOf(info) == info.replicas().get(0).id());
      }
      int stopping = leaderOf(cluster.partition(TOPIC, 0));

      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(cluster.bootstrap(), TOPIC, PARTITIONS)) {
        producer.awaitMoreAcks(1_000);
        List<String> output = cluster.stop(stopping).output();
        assertThat(output)
            .anyMatch(line -> line.contains("controlled shutdown: leaderships moved"));

        for (int p = 0; p < PARTITIONS; p++) {
          TopicPartitionInfo info =
              cluster.awaitPartition(
                  TOPIC,
                  p,
                  "a leader other than broker " + stopping,
                  i -> i.leader() != null && leaderOf(i) != stopping);
          assertThat(idsOf(info.isr())).doesNotContain(stopping);
        }
        producer.awaitMoreAcks(1_000);

        cluster.restart(stopping);
        for (int p = 0; p < PARTITIONS; p++) {
          cluster.awaitPartition(
              TOPIC,
              p,
              "its preferred leader back and 3 in sync",
              info -> leaderOf(info) == info.replicas().get(0).id() && info.isr().size() == 3);
        }
        assertThat(leaderOf(cluster.partition(TOPIC, 0))).isEqualTo(stopping);
        producer.awaitMoreAcks(1_000);
        producer.stopSending();
        CheckingConsumer.assertEveryAcknowledgedRecordOnceInOrder(cluster.bootstrap(), producer);
      }
    }
  }
}
