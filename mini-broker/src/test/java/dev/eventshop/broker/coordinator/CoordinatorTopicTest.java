package dev.eventshop.broker.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.log.PartitionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinatorTopicTest {

  @TempDir Path dir;

  @Test
  void aNewLeaderReplaysItsWholeLogNotOnlyWhatItsHighWatermarkCovers() throws Exception {
    try (LogCoordinatorTopic topic = new LogCoordinatorTopic(dir, "__state", 1)) {
      PartitionLog log = topic.partition(0);
      for (String value : List.of("acknowledged by the old leader", "and this one too")) {
        log.appendAsLeader(
            MemoryRecords.withRecords(
                Compression.NONE,
                new SimpleRecord(
                    "k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))),
            0,
            AppendOrigin.CLIENT,
            System.currentTimeMillis());
      }
      // As a follower it heard of the old leader's high watermark up to the first record only.
      log.updateHighWatermark(1);

      List<String> replayed = new ArrayList<>();
      long end =
          topic.replay(
              0,
              batch -> {
                for (Record record : batch) {
                  replayed.add(StandardCharsets.UTF_8.decode(record.value()).toString());
                }
              });

      assertThat(end).isEqualTo(2);
      assertThat(replayed).containsExactly("acknowledged by the old leader", "and this one too");
    }
  }
}
