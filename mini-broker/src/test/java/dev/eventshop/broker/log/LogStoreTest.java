package dev.eventshop.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {

  static final LogConfig CONFIG = LogConfig.of(Map.of(), Map.of());

  @TempDir Path dir;

  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  LogStore store() {
    return new LogStore(List.of(dir), scheduler, 60_000, 15_000, 86_400_000, 600_000);
  }

  @Test
  void strayReplicasAreTheLogsOnDiskThatNoOpenLogUseAndAreSetAside() throws Exception {
    TopicPartition kept = new TopicPartition("orders", 0);
    TopicPartition moved = new TopicPartition("orders", 1);
    TopicPartition deletedTopic = new TopicPartition("old-topic", 10);
    try (LogStore before = store()) {
      for (TopicPartition tp : List.of(kept, moved, deletedTopic)) {
        before.getOrCreate(tp, Uuid.randomUuid(), CONFIG);
      }
    }
    Path notAPartition = Files.createDirectories(dir.resolve("__raft"));
    Path noTopicId = Files.createDirectories(dir.resolve("someone-elses-7"));

    try (LogStore after = store()) {
      Uuid id = PartitionLog.readTopicId(PartitionLog.directoryOf(dir, kept)).orElseThrow();
      after.getOrCreate(kept, id, CONFIG);

      Files.writeString(
          Files.createDirectories(dir.resolve("corrupt-3")).resolve("partition.metadata"),
          "version: 0\ntopic_id: not-a-uuid\n");

      assertThat(after.setAsideStray()).containsExactlyInAnyOrder(moved, deletedTopic);

      assertThat(PartitionLog.directoryOf(dir, kept)).isDirectory();
      assertThat(PartitionLog.directoryOf(dir, moved)).doesNotExist();
      assertThat(PartitionLog.directoryOf(dir, deletedTopic)).doesNotExist();
      try (Stream<Path> children = Files.list(dir)) {
        assertThat(children.map(p -> p.getFileName().toString()))
            .as("set aside, not deleted")
            .anyMatch(n -> n.matches("orders-1\\.[0-9a-f]{32}-stray"))
            .anyMatch(n -> n.matches("old-topic-10\\.[0-9a-f]{32}-stray"));
      }
      assertThat(notAPartition).isDirectory();
      assertThat(noTopicId).as("no partition.metadata: not a replica's").isDirectory();
      assertThat(dir.resolve("corrupt-3")).as("unreadable: left alone").isDirectory();
      assertThat(after.setAsideStray()).as("strays are never opened again").isEmpty();
    }
  }
}
