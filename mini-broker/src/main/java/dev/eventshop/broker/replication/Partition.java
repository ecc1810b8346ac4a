package dev.eventshop.broker.replication;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.log.PartitionLog.AppendResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition replica hosted on this broker: its log, whether this broker leads it and in which
 * leader epoch, and its in-sync replicas (ISR).
 *
 * <p>As leader it tracks each follower's log end offset from its fetches, advances the high
 * watermark to the smallest log end offset in the ISR, completes acks=all appends once the high
 * watermark passes them, asks the controller to remove followers that lag more than {@code
 * replica.lag.time.max.ms} from the ISR and to add them back once caught up.
 *
 * <p>Invariant: {@code highWatermark <= logEndOffset} of every member of the maximal ISR: the ISR
 * plus any follower this leader has asked to add and has not yet seen in the metadata (Kafka's
 * "maximal ISR"). The controller may elect an added follower as soon as it commits the change,
 * before this broker hears of it, so nothing that follower lacks may be acknowledged meanwhile.
 * Thread-safe: state changes are synchronized on this object; the ISR itself changes only through
 * the metadata.
 */
public final class Partition {

  private static final Logger LOG = LoggerFactory.getLogger(Partition.class);

  /** Asks the controller to change the ISR of a partition this broker leads. */
  public interface IsrChanger {
    /**
     * Completes with the controller's answer, {@link ApiError#NONE} when the change applied (and
     * this broker's metadata shows it); exceptionally when no answer came (the change may still
     * apply, later).
     */
    CompletableFuture<ApiError> alterIsr(
        TopicPartition tp, int leaderEpoch, int partitionEpoch, List<Integer> isr);

    IsrChanger NONE =
        (tp, leaderEpoch, partitionEpoch, isr) -> CompletableFuture.completedFuture(ApiError.NONE);
  }

  /** An ISR change asked of the controller, in the leader and partition epochs it was asked in. */
  private record IsrRequest(List<Integer> isr, int leaderEpoch, int partitionEpoch) {}

  /** How long to wait before asking again when the controller did not answer. */
  private static final long ISR_RETRY_MS = 500;

  private static final int UNKNOWN_PARTITION_EPOCH = -1;

  private record PendingAck(
      long requiredOffset, AppendResult result, CompletableFuture<AppendResult> future) {}

  private record PendingLowWatermark(long offset, CompletableFuture<Long> future) {}

  /**
   * What the leader knows of a follower: where its log starts and ends, and when it was last caught
   * up.
   */
  private static final class FollowerState {
    long logStartOffset = -1;
    long logEndOffset = -1;
    long lastCaughtUpMs;

    FollowerState(long nowMs) {
      this.lastCaughtUpMs = nowMs;
    }
  }

  private final TopicPartition topicPartition;
  private final Uuid topicId;
  private final PartitionLog log;
  private final int localBrokerId;
  private final Consumer<TopicPartition> onNewData;
  private final IsrChanger isrChanger;
  private final List<PendingAck> pendingAcks = new ArrayList<>();
  private final List<PendingLowWatermark> pendingLowWatermarks = new ArrayList<>();
  private final Map<Integer, FollowerState> followers = new HashMap<>();
  private volatile int leaderId = -1;
  private volatile int leaderEpoch = -1;
  private volatile int partitionEpoch = UNKNOWN_PARTITION_EPOCH;
  private volatile List<Integer> replicas = List.of();
  private volatile List<Integer> isr = List.of();
  private IsrRequest pendingIsr; // asked of the controller, neither answered nor superseded

  /**
   * @param onNewData told when the log end or the high watermark moves: wakes waiting fetches
   */
  public Partition(
      TopicPartition topicPartition,
      Uuid topicId,
      PartitionLog log,
      int localBrokerId,
      Consumer<TopicPartition> onNewData,
      IsrChanger isrChanger) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.log = log;
    this.localBrokerId = localBrokerId;
    this.onNewData = onNewData;
    this.isrChanger = isrChanger;
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

  public int partitionEpoch() {
    return partitionEpoch;
  }

  /**
   * Applies the partition's state from the cluster metadata. Epochs never go backwards: a state
   * older than the one applied (a lower leader epoch, or partition epoch) is ignored.
   *
   * @param partitionEpoch -1 when the metadata does not know it (written before partition epochs)
   * @return true when this broker just became leader or follower in a new epoch
   */
  public synchronized boolean update(
      int leader,
      int epoch,
      int partitionEpoch,
      List<Integer> replicas,
      List<Integer> isr,
      long nowMs) {
    if (epoch < leaderEpoch
        || (epoch == leaderEpoch
            && partitionEpoch != UNKNOWN_PARTITION_EPOCH
            && partitionEpoch < this.partitionEpoch)) {
      return false;
    }
    boolean newEpoch = epoch != leaderEpoch || leader != leaderId;
    this.leaderId = leader;
    this.leaderEpoch = epoch;
    this.partitionEpoch = partitionEpoch;
    this.replicas = List.copyOf(replicas);
    this.isr = List.copyOf(isr);
    if (pendingIsr != null && (newEpoch || supersedes(partitionEpoch, isr, pendingIsr))) {
      // The request applied, or the controller refuses it: a request of an older leader epoch or
      // partition epoch never applies. Until then (through other partitions' changes too) its
      // members count for the high watermark, or acknowledged records could miss a replica that
      // the controller has put in the ISR, and may elect.
      pendingIsr = null;
    }
    if (isLeader()) {
      if (newEpoch) {
        followers.clear();
      }
      // A reassignment adds and removes replicas within an epoch: follow the replica list.
      followers.keySet().retainAll(replicas);
      for (int replica : replicas) {
        if (replica != localBrokerId) {
          followers.computeIfAbsent(replica, r -> new FollowerState(nowMs));
        }
      }
      if (newEpoch) {
        try {
          // Offsets from here on belong to this epoch, even before the first new append.
          log.leaderEpochs().assign(epoch, log.logEndOffset());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      maybeAdvanceHighWatermark();
      completeLowWatermarks(); // a smaller ISR may have nobody left to wait for
    } else {
      followers.clear();
      failPending(
          new NotLeaderOrFollowerException(
              "leadership of " + topicPartition + " moved to " + leader));
    }
    return newEpoch;
  }

  /**
   * Appends a client's or a coordinator's batches as leader. With {@code acks=-1} the future
   * completes once every in-sync replica has the batches; otherwise as soon as they are in the
   * local log.
   */
  public CompletableFuture<AppendResult> appendAsLeader(
      MemoryRecords records,
      AppendOrigin origin,
      short requiredAcks,
      int minInsyncReplicas,
      long nowMs)
      throws IOException {
    return append(
        requiredAcks,
        minInsyncReplicas,
        epoch -> log.appendAsLeader(records, epoch, origin, nowMs));
  }

  /**
   * Appends the transaction coordinator's COMMIT or ABORT marker for a producer as leader;
   * completes once every in-sync replica has it (see {@link PartitionLog#appendMarker}).
   */
  public CompletableFuture<AppendResult> appendMarker(
      long producerId, short producerEpoch, int coordinatorEpoch, boolean commit, long nowMs)
      throws IOException {
    return append(
        (short) -1,
        log.config().minInsyncReplicas(),
        epoch ->
            log.appendMarker(producerId, producerEpoch, coordinatorEpoch, commit, epoch, nowMs));
  }

  private interface LeaderAppend {
    AppendResult appendIn(int leaderEpoch) throws IOException;
  }

  private CompletableFuture<AppendResult> append(
      short requiredAcks, int minInsyncReplicas, LeaderAppend append) throws IOException {
    AppendResult result;
    CompletableFuture<AppendResult> future = null;
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
      result = append.appendIn(leaderEpoch);
      advanceHighWatermark();
      if (requiredAcks == -1 && log.highWatermark() <= result.lastOffset()) {
        future = new CompletableFuture<>();
        pendingAcks.add(new PendingAck(result.lastOffset() + 1, result, future));
      }
    }
    onNewData.accept(topicPartition);
    return future != null ? future : CompletableFuture.completedFuture(result);
  }

  /**
   * A follower fetched from {@code fetchOffset}: everything below it is on the follower, whose log
   * starts at {@code logStartOffset}. May move the high watermark, bring the follower back into the
   * ISR and complete waiting DeleteRecords requests.
   */
  public void onFollowerFetch(int replicaId, long fetchOffset, long logStartOffset, long nowMs) {
    boolean moved;
    synchronized (this) {
      FollowerState state = followers.get(replicaId);
      if (!isLeader() || state == null) {
        return;
      }
      state.logStartOffset = logStartOffset;
      state.logEndOffset = fetchOffset;
      completeLowWatermarks();
      if (fetchOffset >= log.logEndOffset()) {
        state.lastCaughtUpMs = nowMs;
      }
      if (!isr.contains(replicaId)
          && fetchOffset >= log.highWatermark()
          && fetchOffset >= leaderEpochStart()) {
        List<Integer> expanded = new ArrayList<>(isr);
        expanded.add(replicaId);
        requestIsr(expanded, "caught up: " + replicaId);
      }
      moved = advanceHighWatermark();
    }
    if (moved) {
      onNewData.accept(topicPartition);
    }
  }

  /**
   * The end of what consumers may read (the high watermark), or empty while this leader's high
   * watermark is below the offset its epoch began at: right after an election the high watermark is
   * the one it had as a follower, which trails the old leader's, until the followers fetch in the
   * new epoch. An end read then would be too low, so ListOffsets answers OFFSET_NOT_AVAILABLE
   * meanwhile, as Kafka does (KIP-207).
   */
  public synchronized OptionalLong committedEnd() {
    long highWatermark = log.highWatermark();
    return isLeader() && highWatermark < leaderEpochStart()
        ? OptionalLong.empty()
        : OptionalLong.of(highWatermark);
  }

  private long leaderEpochStart() {
    return log.leaderEpochs().entries().stream()
        .filter(e -> e.epoch() == leaderEpoch)
        .mapToLong(e -> e.startOffset())
        .findFirst()
        .orElse(0);
  }

  /** Removes from the ISR the followers not caught up for longer than {@code maxLagMs}. */
  public synchronized void maybeShrinkIsr(long nowMs, long maxLagMs) {
    if (!isLeader() || pendingIsr != null) {
      return;
    }
    List<Integer> kept = new ArrayList<>();
    for (int replica : isr) {
      FollowerState state = followers.get(replica);
      boolean lagging =
          replica != localBrokerId && (state == null || nowMs - state.lastCaughtUpMs > maxLagMs);
      if (!lagging) {
        kept.add(replica);
      }
    }
    if (kept.size() < isr.size() && kept.contains(localBrokerId)) {
      requestIsr(kept, "lagging more than " + maxLagMs + " ms");
    }
  }

  /** Whether the partition's state {@code partitionEpoch, isr} answers {@code request}. */
  private static boolean supersedes(int partitionEpoch, List<Integer> isr, IsrRequest request) {
    return isr.equals(request.isr())
        || (partitionEpoch != UNKNOWN_PARTITION_EPOCH
            && partitionEpoch != request.partitionEpoch());
  }

  private void requestIsr(List<Integer> newIsr, String why) {
    if (pendingIsr != null) {
      return;
    }
    IsrRequest request = new IsrRequest(List.copyOf(newIsr), leaderEpoch, partitionEpoch);
    pendingIsr = request;
    LOG.info("{}: asking to change the ISR from {} to {} ({})", topicPartition, isr, newIsr, why);
    send(request);
  }

  private void send(IsrRequest request) {
    isrChanger
        .alterIsr(topicPartition, request.leaderEpoch(), request.partitionEpoch(), request.isr())
        .whenComplete((answer, error) -> onIsrAnswer(request, answer, error));
  }

  /**
   * The controller answered {@code request}, or did not ({@code error}). A request without answer
   * may still be committed, so it keeps counting for the high watermark and is asked again, the
   * same: its partition epoch lets it apply at most once. Only one from metadata without partition
   * epochs, where asking again could apply a stale ISR, is given up (the window Kafka closes with
   * the partition epoch: it could apply later, below the high watermark).
   */
  private void onIsrAnswer(IsrRequest request, ApiError answer, Throwable error) {
    synchronized (this) {
      if (pendingIsr != request) {
        return; // the metadata answered it first
      }
      if (error != null && request.partitionEpoch() != UNKNOWN_PARTITION_EPOCH) {
        LOG.info(
            "{}: no answer to the ISR change to {} ({}); asking again",
            topicPartition,
            request.isr(),
            error.toString());
        CompletableFuture.delayedExecutor(ISR_RETRY_MS, TimeUnit.MILLISECONDS)
            .execute(() -> sendIfPending(request));
        return;
      }
      pendingIsr = null;
      // Applied: the answer comes once this broker has applied (and published) the change, so the
      // ISR here is the controller's or newer. Refused: the member no longer holds it back.
      maybeAdvanceHighWatermark();
      if (error == null && answer.isSuccess()) {
        return;
      }
    }
    LOG.info(
        "{}: ISR change to {} not applied: {}",
        topicPartition,
        request.isr(),
        error != null ? error.toString() : answer.messageWithFallback());
  }

  private void sendIfPending(IsrRequest request) {
    synchronized (this) {
      if (pendingIsr != request) {
        return;
      }
    }
    send(request);
  }

  /** Recomputes the high watermark and tells waiting fetches if it moved. */
  synchronized void maybeAdvanceHighWatermark() {
    if (advanceHighWatermark()) {
      onNewData.accept(topicPartition);
    }
  }

  /**
   * Moves the high watermark to the smallest log end offset in the maximal ISR; true if it moved.
   */
  private boolean advanceHighWatermark() {
    long candidate = log.logEndOffset();
    for (int replica : maximalIsr()) {
      if (replica != localBrokerId) {
        FollowerState state = followers.get(replica);
        candidate = Math.min(candidate, state == null ? -1 : state.logEndOffset);
      }
    }
    if (candidate >= 0 && log.updateHighWatermark(candidate)) {
      completePendingAcks();
      return true;
    }
    return false;
  }

  /** As follower: the leader's high watermark, bounded by what this replica has. */
  public void updateFollowerHighWatermark(long leaderHighWatermark) {
    if (log.updateHighWatermark(Math.min(leaderHighWatermark, log.logEndOffset()))) {
      onNewData.accept(topicPartition);
    }
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

  /**
   * DeleteRecords as leader: moves the log start to {@code offset} (see {@link
   * PartitionLog#deleteRecordsBefore}) and completes with the partition's low watermark, the lowest
   * log start among this leader and its in-sync followers, once that has reached the new start:
   * followers take it from their next fetch, so that records deleted here stay deleted under any
   * later leader. Kafka waits for every live replica; this waits for the in-sync ones.
   */
  public synchronized CompletableFuture<Long> deleteRecordsBefore(long offset) throws IOException {
    if (!isLeader()) {
      throw new NotLeaderOrFollowerException(
          "broker " + localBrokerId + " does not lead " + topicPartition);
    }
    long start = log.deleteRecordsBefore(offset);
    long low = lowWatermark();
    if (low >= start) {
      return CompletableFuture.completedFuture(low);
    }
    // A follower hears of the new start when its waiting fetch returns (at most its max wait).
    pendingLowWatermarks.removeIf(pending -> pending.future().isDone()); // timed out
    CompletableFuture<Long> future = new CompletableFuture<>();
    pendingLowWatermarks.add(new PendingLowWatermark(start, future));
    return future;
  }

  /** The lowest log start among this leader and the replicas in (or joining) the ISR. */
  private long lowWatermark() {
    long low = log.logStartOffset();
    for (int replica : maximalIsr()) {
      if (replica != localBrokerId) {
        FollowerState state = followers.get(replica);
        low = Math.min(low, state == null ? -1 : state.logStartOffset);
      }
    }
    return low;
  }

  /** The ISR with the members asked for but not applied yet: none of them may be left behind. */
  private Set<Integer> maximalIsr() {
    Set<Integer> maximal = new HashSet<>(isr);
    if (pendingIsr != null) {
      maximal.addAll(pendingIsr.isr());
    }
    return maximal;
  }

  private void completeLowWatermarks() {
    if (pendingLowWatermarks.isEmpty()) {
      return;
    }
    long low = lowWatermark();
    // Done ones timed out at the client's request timeout: dropped here.
    pendingLowWatermarks.removeIf(
        pending ->
            pending.future().isDone()
                || (low >= pending.offset() && pending.future().complete(low)));
  }

  private void failPending(RuntimeException error) {
    for (PendingAck pending : pendingAcks) {
      pending.future().completeExceptionally(error);
    }
    pendingAcks.clear();
    for (PendingLowWatermark pending : pendingLowWatermarks) {
      pending.future().completeExceptionally(error);
    }
    pendingLowWatermarks.clear();
  }

  /**
   * Stops serving without touching the log (moved away or deleted): fails waiting acks and
   * DeleteRecords requests.
   */
  public synchronized void stop() {
    pendingIsr = null; // asks no more
    failPending(new NotLeaderOrFollowerException(topicPartition + " is no longer hosted here"));
  }
}
