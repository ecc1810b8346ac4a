package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every broker of the cluster stopped (SIGTERM to all at once) and started again keeps everything:
 * the topic and its id, every acknowledged record, the group's committed offsets and leader epochs
 * that never go back. The producer that was writing when the cluster went down carries on once it
 * is back, and the group resumes where it committed.
 */
class FullClusterRestartIT {

  static final String TOPIC = "shipments";
  static final String GROUP = "tracking";
  static final int PARTITIONS = 3;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void aFullRestartKeepsTopicsDataOffsetsAndEpochs() throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start(dir, 3)) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of());
      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(cluster.bootstrap(), TOPIC, PARTITIONS)) {
        producer.awaitMoreAcks(3_000);
        Map<TopicPartition, OffsetAndMetadata> committed = consumeAndCommit(cluster.bootstrap());
        TopicDescription before = cluster.describe(TOPIC);

        cluster.stopAll();
        cluster.startAll();

        for (int p = 0; p < PARTITIONS; p++) {
          TopicPartitionInfo info =
              cluster.awaitPartition(TOPIC, p, "3 in sync", i -> i.isr().size() == 3);
          assertThat(info.replicas()).isEqualTo(before.partitions().get(p).replicas());
        }
        TopicDescription after = cluster.describe(TOPIC);
        assertThat(after.topicId()).isEqualTo(before.topicId());
        assertThat(
                cluster
                    .admin()
                    .listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS))
            .isEqualTo(committed);

        producer.awaitMoreAcks(1_000); // the same producer carries on
        producer.stopSending();
        CheckingConsumer.assertEveryAcknowledgedRecordOnceInOrder(cluster.bootstrap(), producer);
        assertEpochsNeverGoBack(cluster.bootstrap());
        assertGroupResumesAt(cluster.bootstrap(), committed);
      }
    }
  }

  /**
   * Along each partition the batches' leader epochs never decrease: the records written after the
   * restart carry epochs at least as high as those before it, so the quorum kept its epochs.
   */
  private static void assertEpochsNeverGoBack(String bootstrap) {
    try (KafkaConsumer<String, String> reader = Clients.consumer(bootstrap)) {
      List<TopicPartition> partitions =
          java.util.stream.IntStream.range(0, PARTITIONS)
              .mapToObj(p -> new TopicPartition(TOPIC, p))
              .toList();
      reader.assign(partitions);
      reader.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = reader.endOffsets(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, Integer> epochs = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (partitions.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : reader.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          int epoch = r.leaderEpoch().orElseThrow();
          assertThat(epoch)
              .as("leader epoch at %s-%d", tp, r.offset())
              .isGreaterThanOrEqualTo(epochs.getOrDefault(tp, 0));
          epochs.put(tp, epoch);
        }
      }
      assertThat(epochs).hasSize(PARTITIONS);
    }
  }

  /** The group's next member starts each partition at its committed offset. */
  private static void assertGroupResumesAt(
      String bootstrap, Map<TopicPartition, OffsetAndMetadata> committed) {
    try (KafkaConsumer<String, String> member =
        Clients.member(bootstrap, GROUP, "enable.auto.commit=false", "max.poll.records=50")) {
      member.subscribe(List.of(TOPIC));
      Map<TopicPartition, Long> first = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (first.size() < PARTITIONS && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : member.poll(Duration.ofMillis(200))) {
          first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
      }
      Map<TopicPartition, Long> expected = new HashMap<>();
      committed.forEach((tp, offset) -> expected.put(tp, offset.offset()));
      assertThat(first).isEqualTo(expected);
    }
  }

  /** A group member reads some records of every partition and commits its position. */
  private static Map<TopicPartition, OffsetAndMetadata> consumeAndCommit(String bootstrap) {
    try (KafkaConsumer<String, String> member =
        Clients.member(bootstrap, GROUP, "enable.auto.commit=false", "max.poll.records=50")) {
      member.subscribe(List.of(TOPIC));
      Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (positions.size() < PARTITIONS && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : member.poll(Duration.ofMillis(200))) {
          positions.put(
              new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
      }
      member.commitSync(positions, Duration.ofSeconds(30));
      return positions;
    }
  }
}
