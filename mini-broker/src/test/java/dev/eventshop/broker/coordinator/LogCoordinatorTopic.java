package dev.eventshop.broker.coordinator;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * A coordinator's internal topic ({@code __consumer_offsets}, {@code __transaction_state}) over
 * real compacted partition logs in a directory, for tests. This broker leads every partition in
 * epoch 0 until a test moves the leader epoch, takes away leadership, or makes appends fail as a
 * partition without enough in-sync replicas does.
 */
public final class LogCoordinatorTopic implements CoordinatorTopic, AutoCloseable {

  private final Path dir;
  private final String name;
  private final int partitions;
  private final Map<Integer, PartitionLog> logs = new ConcurrentHashMap<>();
  private final Uuid topicId = Uuid.randomUuid();
  private volatile int leaderEpoch;
  private volatile boolean localLeader = true;
  private volatile boolean failAppends;

  public LogCoordinatorTopic(Path dir, String name, int partitions) {
    this.dir = dir;
    this.name = name;
    this.partitions = partitions;
  }

  public void moveLeaderEpochTo(int epoch) {
    leaderEpoch = epoch;
  }

  public void ledHere(boolean leads) {
    localLeader = leads;
  }

  public void failAppends(boolean fail) {
    failAppends = fail;
  }

  @Override
  public int partitionCount() {
    return partitions;
  }

  @Override
  public boolean exists() {
    return !logs.isEmpty()
        || Files.isDirectory(PartitionLog.directoryOf(dir, new TopicPartition(name, 0)));
  }

  @Override
  public synchronized PartitionLog partition(int p) throws IOException {
    PartitionLog log = logs.get(p);
    if (log == null) {
      TopicPartition tp = new TopicPartition(name, p);
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
  public boolean isLocalLeader(int p) {
    return localLeader;
  }

  @Override
  public int leaderEpoch(int p) {
    return leaderEpoch;
  }

  @Override
  public CompletableFuture<Void> append(int p, MemoryRecords records, long nowMs) {
    if (failAppends) {
      return CompletableFuture.failedFuture(
          new NotEnoughReplicasException("the in-sync replicas of " + p + " are too few"));
    }
    return CoordinatorTopic.super.append(p, records, nowMs);
  }

  @Override
  public void close() {
    logs.values().forEach(PartitionLog::close);
    logs.clear();
  }
}
