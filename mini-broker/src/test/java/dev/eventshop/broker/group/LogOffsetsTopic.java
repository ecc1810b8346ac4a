package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/** {@code __consumer_offsets} over real compacted partition logs in a directory, for tests. */
final class LogOffsetsTopic implements CoordinatorTopic, AutoCloseable {

  private final Path dir;
  private final int partitions;
  private final Map<Integer, PartitionLog> logs = new ConcurrentHashMap<>();
  private final Uuid topicId = Uuid.randomUuid();

  LogOffsetsTopic(Path dir, int partitions) {
    this.dir = dir;
    this.partitions = partitions;
  }

  @Override
  public int partitionCount() {
    return partitions;
  }

  @Override
  public boolean exists() {
    return !logs.isEmpty()
        || Files.isDirectory(
            PartitionLog.directoryOf(dir, new TopicPartition(OffsetsTopic.NAME, 0)));
  }

  @Override
  public synchronized PartitionLog partition(int p) throws IOException {
    PartitionLog log = logs.get(p);
    if (log == null) {
      TopicPartition tp = new TopicPartition(OffsetsTopic.NAME, p);
      log =
          PartitionLog.open(
              PartitionLog.directoryOf(dir, tp),
              tp,
              topicId,
              LogConfig.of(Map.of(), Map.of("cleanup.policy", "compact")),
              false,
              Runnable::run);
      logs.put(p, log);
    }
    return log;
  }

  @Override
  public int leaderEpoch(int p) {
    return 0;
  }

  @Override
  public void close() {
    logs.values().forEach(PartitionLog::close);
    logs.clear();
  }
}
