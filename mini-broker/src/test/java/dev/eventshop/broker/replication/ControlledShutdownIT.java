package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful shutdown (SIGTERM) moves a broker's leaderships to other in-sync replicas before it
 * stops serving, so the partitions it led have new leaders the moment it is gone, without waiting
 * for its session to expire; when it returns and is back in sync, the preferred leader election
 * gives it its partitions back. Both seen through Admin describeTopics, with an acks=all producer
 * writing throughout whose every acknowledged record is then checked. Records deleted on a leader
 * (DeleteRecords) stay deleted under the new leaders: followers take the leader's log start.
 */
class ControlledShutdownIT {

  static final String TOPIC = "inventory";
  static final int PARTITIONS = 3;
  static final String PURGED = "purged";
  static final long PURGED_BEFORE = 6;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void gracefulShutdownMovesLeadershipFirstAndPreferredLeadersReturn() throws Exception {
    // A session far longer than the test's waits: leadership can only move by controlled shutdown.
    try (ProcessCluster cluster =
        ProcessCluster.start(dir, 3, "broker.session.timeout.ms=120000")) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of());
      cluster.createTopic(PURGED, PARTITIONS, 3, Map.of());
      for (String topic : List.of(TOPIC, PURGED)) {
        for (int p = 0; p < PARTITIONS; p++) {
          cluster.awaitPartition(
              topic,
              p,
              "its preferred leader",
              info -> leaderOf(info) == info.replicas().get(0).id());
        }
      }
      int stopping = leaderOf(cluster.partition(TOPIC, 0));
      deleteRecordsOnEveryLeader(cluster);

      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(cluster.bootstrap(), TOPIC, PARTITIONS)) {
        producer.awaitMoreAcks(1_000);
        List<String> output = cluster.stop(stopping).output();
        assertThat(output)
            .anyMatch(line -> line.contains("controlled shutdown: leaderships moved"));

        for (String topic : List.of(TOPIC, PURGED)) {
          for (int p = 0; p < PARTITIONS; p++) {
            TopicPartitionInfo info =
                cluster.awaitPartition(
                    topic,
                    p,
                    "a leader other than broker " + stopping,
                    i -> i.leader() != null && leaderOf(i) != stopping);
            assertThat(idsOf(info.isr())).doesNotContain(stopping);
          }
        }
        assertThat(earliestOffsets(cluster))
            .as("records deleted on the old leader, read from the new one")
            .containsOnly(PURGED_BEFORE);
        producer.awaitMoreAcks(1_000);

        cluster.restart(stopping);
        for (String topic : List.of(TOPIC, PURGED)) {
          for (int p = 0; p < PARTITIONS; p++) {
            cluster.awaitPartition(
                topic,
                p,
                "its preferred leader back and 3 in sync",
                info -> leaderOf(info) == info.replicas().get(0).id() && info.isr().size() == 3);
          }
        }
        assertThat(leaderOf(cluster.partition(TOPIC, 0))).isEqualTo(stopping);
        assertThat(earliestOffsets(cluster)).containsOnly(PURGED_BEFORE);
        producer.awaitMoreAcks(1_000);
        producer.stopSending();
        CheckingConsumer.assertEveryAcknowledgedRecordOnceInOrder(cluster.bootstrap(), producer);
      }
    }
  }

  /**
   * Ten records in each partition of {@link #PURGED} (one led by each broker), the first six
   * deleted on the leaders: DeleteRecords answers once the in-sync followers have taken the new log
   * start.
   */
  private static void deleteRecordsOnEveryLeader(ProcessCluster cluster) throws Exception {
    try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrap())) {
      for (int i = 0; i < 10; i++) {
        for (int p = 0; p < PARTITIONS; p++) {
          producer.send(new ProducerRecord<>(PURGED, p, "k", "v" + i));
        }
      }
      producer.flush();
      Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
      for (int p = 0; p < PARTITIONS; p++) {
        delete.put(new TopicPartition(PURGED, p), RecordsToDelete.beforeOffset(PURGED_BEFORE));
      }
      for (KafkaFuture<DeletedRecords> deleted :
          cluster.admin().deleteRecords(delete).lowWatermarks().values()) {
        assertThat(deleted.get(30, TimeUnit.SECONDS).lowWatermark()).isEqualTo(PURGED_BEFORE);
      }
    }
  }

  /**
   * The earliest offsets of {@link #PURGED}, asked by an Admin of its own: the cluster's Admin
   * caches the leaders it sent DeleteRecords to and, in kafka-clients 4.1, waits out its timeout
   * for a cached leader that has left the cluster (KAFKA-20673) instead of looking the leader up
   * again.
   */
  private static List<Long> earliestOffsets(ProcessCluster cluster) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      request.put(new TopicPartition(PURGED, p), OffsetSpec.earliest());
    }
    try (Admin admin = Admin.create(Clients.properties(cluster.bootstrap()))) {
      return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
          .map(ListOffsetsResultInfo::offset)
          .toList();
    }
  }
}
