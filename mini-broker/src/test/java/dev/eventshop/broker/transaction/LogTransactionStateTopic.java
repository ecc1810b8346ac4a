package dev.eventshop.broker.transaction;

import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;

/**
 * {@code __transaction_state} over real compacted partition logs in a directory, for tests. A test
 * may move the leader epoch, take away leadership, or make appends fail as a partition without
 * enough in-sync replicas does.
 */
final class LogTransactionStateTopic implements CoordinatorTopic, AutoCloseable {

  /** One record of the topic: a tombstone has no snapshot. */
  record Entry(String transactionalId, TransactionStateFormat.Snapshot snapshot) {}

  private final Path dir;
  private final int partitions;
  private final Map<Integer, PartitionLog> logs = new ConcurrentHashMap<>();
  private final Uuid topicId = Uuid.randomUuid();
  private volatile int leaderEpoch;
  private volatile boolean localLeader = true;
  private volatile boolean failAppends;

  LogTransactionStateTopic(Path dir, int partitions) {
    this.dir = dir;
    this.partitions = partitions;
  }

  void moveLeaderEpochTo(int epoch) {
    leaderEpoch = epoch;
  }

  void ledHere(boolean leads) {
    localLeader = leads;
  }

  void failAppends(boolean fail) {
    failAppends = fail;
  }

  @Override
  public int partitionCount() {
    return partitions;
  }

  @Override
  public boolean exists() {
    return !logs.isEmpty()
        || Files.isDirectory(
            PartitionLog.directoryOf(dir, new TopicPartition(TransactionCoordinator.TOPIC, 0)));
  }

  @Override
  public synchronized PartitionLog partition(int p) throws IOException {
    PartitionLog log = logs.get(p);
    if (log == null) {
      TopicPartition tp = new TopicPartition(TransactionCoordinator.TOPIC, p);
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

  /** Every record of partition {@code p} up to its high watermark, in log order. */
  List<Entry> entries(int p) throws IOException {
    List<Entry> entries = new ArrayList<>();
    replay(
        p,
        batch -> {
          for (Record record : batch) {
            entries.add(
                new Entry(
                    TransactionStateFormat.transactionalId(record.key()),
                    record.hasValue() ? TransactionStateFormat.decode(record.value()) : null));
          }
        });
    return entries;
  }

  @Override
  public void close() {
    logs.values().forEach(PartitionLog::close);
    logs.clear();
  }
}
