package dev.eventshop.broker.replication;

import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.log.PartitionLog.AppendResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * A partition replica hosted on this broker: its log, whether this broker leads it and in which
 * leader epoch, and its in-sync replicas. The leader advances the high watermark to the smallest
 * log end offset among the ISR; acks=all appends complete when the high watermark passes them.
 *
 * <p>Invariant: {@code highWatermark <= logEndOffset} of every ISR member. Thread-safe: state
 * changes are synchronized on this object.
 */
public final class Partition {

  private record PendingAck(
      long requiredOffset, AppendResult result, CompletableFuture<AppendResult> future) {}

  private final TopicPartition topicPartition;
  private final Uuid topicId;
  private final PartitionLog log;
  private final int localBrokerId;
  private final Consumer<TopicPartition> onHighWatermarkChange;
  private final List<PendingAck> pendingAcks = new ArrayList<>();
  private volatile int leaderId = -1;
  private volatile int leaderEpoch = -1;
  private volatile List<Integer> replicas = List.of();
  private volatile List<Integer> isr = List.of();

  public Partition(
      TopicPartition topicPartition,
      Uuid topicId,
      PartitionLog log,
      int localBrokerId,
      Consumer<TopicPartition> onHighWatermarkChange) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.log = log;
    this.localBrokerId = localBrokerId;
    this.onHighWatermarkChange = onHighWatermarkChange;
  }

  public TopicPartition topicPartition() {
    return topicPartition;
  }

  public Uuid topicId() {
    return topicId;
  }

  public PartitionLog log() {
    return log;
  }

  public boolean isLeader() {
    return leaderId == localBrokerId;
  }

  public int leaderId() {
    return leaderId;
  }

  public int leaderEpoch() {
    return leaderEpoch;
  }

  public List<Integer> isr() {
    return isr;
  }

  public List<Integer> replicas() {
    return replicas;
  }

  /** Applies leadership from the cluster metadata. Epochs never go backwards. */
  public synchronized void update(
      int leader, int epoch, List<Integer> replicas, List<Integer> isr) {
    if (epoch < leaderEpoch) {
      return;
    }
    this.leaderId = leader;
    this.leaderEpoch = epoch;
    this.replicas = List.copyOf(replicas);
    this.isr = List.copyOf(isr);
    if (isLeader()) {
      try {
        // Offsets from here on belong to this epoch, even before the first new append.
        log.leaderEpochs().assign(epoch, log.logEndOffset());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      maybeAdvanceHighWatermark();
    } else {
      failPendingAcks(
          new NotLeaderOrFollowerException(
              "leadership of " + topicPartition + " moved to " + leader));
    }
  }

  /**
   * Appends a producer's batches as leader. With {@code acks=-1} the future completes once every
   * in-sync replica has the batches; otherwise as soon as they are in the local log.
   */
  public CompletableFuture<AppendResult> appendAsLeader(
      MemoryRecords records, short requiredAcks, int minInsyncReplicas, long nowMs)
      throws IOException {
    AppendResult result;
    synchronized (this) {
      if (!isLeader()) {
        throw new NotLeaderOrFollowerException(
            "broker " + localBrokerId + " does not lead " + topicPartition);
      }
      if (requiredAcks == -1 && isr.size() < minInsyncReplicas) {
        throw new NotEnoughReplicasException(
            "%s has %d in-sync replicas, fewer than min.insync.replicas %d"
                .formatted(topicPartition, isr.size(), minInsyncReplicas));
      }
      result = log.appendAsLeader(records, leaderEpoch, nowMs);
      maybeAdvanceHighWatermark();
      if (requiredAcks == -1 && log.highWatermark() <= result.lastOffset()) {
        CompletableFuture<AppendResult> future = new CompletableFuture<>();
        pendingAcks.add(new PendingAck(result.lastOffset() + 1, result, future));
        return future;
      }
    }
    return CompletableFuture.completedFuture(result);
  }

  /**
   * Moves the high watermark to the smallest log end offset among the in-sync replicas. On a single
   * replica this is the leader's own log end offset.
   */
  synchronized void maybeAdvanceHighWatermark() {
    long candidate = log.logEndOffset();
    for (int replica : isr) {
      if (replica != localBrokerId) {
        candidate = Math.min(candidate, followerEndOffset(replica));
      }
    }
    if (log.updateHighWatermark(candidate)) {
      completePendingAcks();
      onHighWatermarkChange.accept(topicPartition);
    }
  }

  /** The log end offset a follower last reported; replication fills this in. */
  long followerEndOffset(int replica) {
    return log.logEndOffset();
  }

  private void completePendingAcks() {
    long hw = log.highWatermark();
    for (Iterator<PendingAck> it = pendingAcks.iterator(); it.hasNext(); ) {
      PendingAck pending = it.next();
      if (hw >= pending.requiredOffset()) {
        it.remove();
        pending.future().complete(pending.result());
      }
    }
  }

  private void failPendingAcks(RuntimeException error) {
    for (PendingAck pending : pendingAcks) {
      pending.future().completeExceptionally(error);
    }
    pendingAcks.clear();
  }

  /** Stops serving: fails waiting acks and closes the log. */
  public synchronized void close() {
    failPendingAcks(new NotLeaderOrFollowerException(topicPartition + " is no longer hosted here"));
    log.close();
  }

  /** Stops serving without touching the log (the topic was deleted): fails waiting acks. */
  public synchronized void stop() {
    failPendingAcks(new NotLeaderOrFollowerException(topicPartition + " is no longer hosted here"));
  }
}
