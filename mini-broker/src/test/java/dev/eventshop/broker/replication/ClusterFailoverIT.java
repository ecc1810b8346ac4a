package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes in a cluster; the leader of a replicated partition is killed with SIGKILL
 * while an idempotent producer writes with acks=all. A checking consumer then proves that every
 * acknowledged record is present exactly once and in order, and the killed broker, restarted,
 * catches up and rejoins the ISR.
 */
class ClusterFailoverIT {

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void noAcknowledgedRecordIsLostWhenTheLeaderIsKilled() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start(dir, 3)) {
      cluster.createTopic("replicated", 1, 3, Map.of());
      int leader = leaderOf(cluster.partition("replicated", 0));

      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(cluster.bootstrap(), "replicated", 1)) {
        producer.awaitMoreAcks(2_000);
        cluster.kill(leader);
        producer.awaitMoreAcks(2_000);
        producer.stopSending();

        TopicPartitionInfo after = cluster.partition("replicated", 0);
        assertThat(leaderOf(after)).isNotEqualTo(leader);
        assertThat(idsOf(after.isr())).doesNotContain(leader);
        CheckingConsumer.assertEveryAcknowledgedRecordOnceInOrder(cluster.bootstrap(), producer);
      }

      // The killed broker comes back, catches up and rejoins the ISR.
      cluster.restart(leader);
      cluster.awaitPartition("replicated", 0, "3 in sync", p -> p.isr().size() == 3);
    }
  }
}
