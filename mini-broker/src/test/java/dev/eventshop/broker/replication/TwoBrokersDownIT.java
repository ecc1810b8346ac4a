package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two brokers down: acks=all produce is refused with NOT_ENOUGH_REPLICAS while committed data stays
 * readable, and produce works again once the brokers are back in the ISR.
 *
 * <p>Why five nodes: every node is a metadata-quorum voter, and with three voters two failures
 * leave no quorum. Then nothing can shrink the ISR, the leader still waits for replicas that are
 * gone, and acks=all times out instead of answering NOT_ENOUGH_REPLICAS (Apache Kafka behaves the
 * same). With five voters the quorum survives two failures, so the controller removes the dead
 * followers from the ISR of an RF=3, {@code min.insync.replicas=2} partition; the leader alone is
 * then fewer than two in sync, and it says so.
 */
class TwoBrokersDownIT {

  static final String TOPIC = "payments";
  static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void acksAllIsRefusedWhileReadsGoOnAndWorksAgainWhenTheBrokersReturn() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start(dir, 5);
        KafkaProducer<String, String> producer = producer(cluster.bootstrap())) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      // Written with a producer that retries: right after the topic is created its leader may not
      // have taken the partition on yet and answers NOT_LEADER_OR_FOLLOWER, as Kafka's does.
      try (KafkaProducer<String, String> setup =
          Clients.producer(cluster.bootstrap(), "acks=all")) {
        for (int i = 0; i < 100; i++) {
          setup.send(new ProducerRecord<>(TOPIC, 0, null, "0-" + i)).get(30, TimeUnit.SECONDS);
        }
      }
      TopicPartitionInfo before = cluster.partition(TOPIC, 0);
      int leader = leaderOf(before);
      List<Integer> followers = new ArrayList<>(idsOf(before.replicas()));
      followers.remove(Integer.valueOf(leader));

      for (int follower : followers) {
        cluster.kill(follower);
      }
      cluster.awaitPartition(
          TOPIC, 0, "only the leader in sync", p -> idsOf(p.isr()).equals(List.of(leader)));

      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>(TOPIC, 0, null, "refused"))
                      .get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(NotEnoughReplicasException.class);
      Map<Long, String> committed = CheckingConsumer.readAll(cluster.bootstrap(), TP);
      assertThat(committed).hasSize(100).containsEntry(0L, "0-0").containsEntry(99L, "0-99");

      cluster.startAll(); // both followers, together
      cluster.awaitPartition(TOPIC, 0, "3 in sync", p -> p.isr().size() == 3);
      assertThat(
              producer
                  .send(new ProducerRecord<>(TOPIC, 0, null, "0-100"))
                  .get(30, TimeUnit.SECONDS)
                  .offset())
          .isEqualTo(100);
      assertThat(CheckingConsumer.readAll(cluster.bootstrap(), TP)).hasSize(101);
    }
  }

  /** No retries and no idempotence, so the broker's NOT_ENOUGH_REPLICAS reaches the caller. */
  private static KafkaProducer<String, String> producer(String bootstrap) {
    return Clients.producer(
        bootstrap,
        "acks=all",
        "enable.idempotence=false",
        "retries=0",
        "request.timeout.ms=10000",
        "delivery.timeout.ms=30000");
  }
}
