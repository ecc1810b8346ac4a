package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.PreferredLeaderNotAvailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Elections an administrator asks for (Admin.electLeaders, as {@code kafka-leader-election.sh}
 * sends them), on a partition with replicas [a, b] of a three-node cluster that does not rebalance
 * leaders by itself:
 *
 * <ul>
 *   <li>preferred: a returns after a failure and is back in sync, but b still leads; the election
 *       gives the partition back to a, and asked again it is not needed;
 *   <li>unclean: b is killed, a takes more records alone, then a is killed too. b comes back out of
 *       sync, so the partition stays leaderless; neither a clean nor a preferred election can help,
 *       an unclean one makes b the leader, and the records only a had are gone. When a returns it
 *       truncates to b's log and rejoins the ISR.
 * </ul>
 */
class LeaderElectionIT {

  static final String TOPIC = "elections";
  static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void preferredAndUncleanElectionsOnRequest() throws Exception {
    try (ProcessCluster cluster =
        ProcessCluster.start(dir, 3, "auto.leader.rebalance.enable=false")) {
      cluster.createTopic(TOPIC, 1, 2, Map.of("min.insync.replicas", "1"));
      TopicPartitionInfo created =
          cluster.awaitPartition(
              TOPIC, 0, "its preferred leader", p -> leaderOf(p) == p.replicas().get(0).id());
      int a = idsOf(created.replicas()).get(0);
      int b = idsOf(created.replicas()).get(1);
      send(cluster, "in-sync-", 10);

      // Preferred.
      cluster.kill(a);
      cluster.awaitPartition(TOPIC, 0, "led by " + b, p -> leaderOf(p) == b);
      cluster.restart(a);
      cluster.awaitPartition(TOPIC, 0, "2 in sync", p -> p.isr().size() == 2);
      assertThat(leaderOf(cluster.partition(TOPIC, 0))).as("still led by b").isEqualTo(b);
      assertThat(elect(cluster, ElectionType.PREFERRED)).isEmpty();
      // The controller has applied it; the broker describeTopics asks may take a moment longer.
      cluster.awaitPartition(TOPIC, 0, "led by " + a, p -> leaderOf(p) == a);
      assertThat(elect(cluster, ElectionType.PREFERRED))
          .containsInstanceOf(ElectionNotNeededException.class);

      // Unclean.
      cluster.kill(b);
      cluster.awaitPartition(
          TOPIC, 0, "only " + a + " in sync", p -> idsOf(p.isr()).equals(List.of(a)));
      send(cluster, "only-on-a-", 5);
      cluster.kill(a);
      // Two of three voters down: the quorum is back with b, which then fences a.
      cluster.restart(b);
      cluster.awaitPartition(TOPIC, 0, "no leader", p -> p.leader() == null);
      assertThat(elect(cluster, ElectionType.PREFERRED))
          .containsInstanceOf(PreferredLeaderNotAvailableException.class);
      assertThat(cluster.partition(TOPIC, 0).leader()).as("no clean candidate").isNull();
      assertThat(elect(cluster, ElectionType.UNCLEAN)).isEmpty();
      TopicPartitionInfo unclean =
          cluster.awaitPartition(TOPIC, 0, "led by " + b, p -> leaderOf(p) == b);
      assertThat(idsOf(unclean.isr())).containsExactly(b);
      assertThat(CheckingConsumer.readAll(cluster.bootstrap(), TP).values())
          .as("what b had")
          .hasSize(10)
          .allMatch(v -> v.startsWith("in-sync-"));
      assertThat(elect(cluster, ElectionType.UNCLEAN))
          .containsInstanceOf(ElectionNotNeededException.class);

      cluster.restart(a);
      cluster.awaitPartition(TOPIC, 0, "2 in sync again", p -> p.isr().size() == 2);
      send(cluster, "after-", 1);
      assertThat(CheckingConsumer.readAll(cluster.bootstrap(), TP).values())
          .hasSize(11)
          .noneMatch(v -> v.startsWith("only-on-a-"));
    }
  }

  private static void send(ProcessCluster cluster, String prefix, int count) throws Exception {
    try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrap())) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(TOPIC, 0, null, prefix + i)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** The partition's election outcome: empty when it got the leader asked for. */
  private static Optional<Throwable> elect(ProcessCluster cluster, ElectionType type)
      throws Exception {
    return cluster
        .admin()
        .electLeaders(type, Set.of(TP))
        .partitions()
        .get(30, TimeUnit.SECONDS)
        .get(TP);
  }
}
