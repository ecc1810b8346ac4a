package dev.eventshop.broker.protocol;

import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.log.PartitionLog.ReadResult;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.quota.ClientQuotaManager;
import dev.eventshop.broker.quota.ReplicationThrottles;
import dev.eventshop.broker.replication.FetchPurgatory;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.AbortedTransaction;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * Fetch: record data from each requested partition, from the batch that contains the fetch offset,
 * up to the high watermark for consumers (the last stable offset for read_committed consumers, who
 * are also told the aborted transactions in the range; the log end for follower replicas). The
 * first partition with data returns at least one whole batch even beyond the byte limits. With less
 * than {@code min.bytes} available the fetch waits in the {@link FetchPurgatory} up to {@code
 * max.wait.ms}. Fetch sessions are declined (session id 0), which Kafka clients accept: they send
 * full fetch requests. Versions 4-15 (topic ids from 13).
 */
public final class FetchHandler extends VersionedApiHandler<FetchRequest> {

  private final Replicas replicas;
  private final Supplier<ClusterMetadata> metadata;
  private final FetchPurgatory purgatory;
  private final LeaderLookup leaders;
  private final FollowerFetchListener followers;
  private final ClientQuotaManager quotas;
  private final ReplicationThrottles.Side replicationThrottle;

  /** Told of every follower fetch, so the leader can track replica progress. */
  public interface FollowerFetchListener {
    void onFollowerFetch(
        Partition partition, int replicaId, long fetchOffset, long logStartOffset, long nowMs);
  }

  /**
   * @param quotas the clients' {@code consumer_byte_rate} (followers' fetches do not count)
   * @param replicationThrottle what this broker, as leader, may send to followers out of sync
   */
  public FetchHandler(
      Replicas replicas,
      Supplier<ClusterMetadata> metadata,
      FetchPurgatory purgatory,
      FollowerFetchListener followers,
      ClientQuotaManager quotas,
      ReplicationThrottles.Side replicationThrottle) {
    super(ApiKeys.FETCH, 4, 15);
    this.quotas = quotas;
    this.replicationThrottle = replicationThrottle;
    this.replicas = replicas;
    this.metadata = metadata;
    this.purgatory = purgatory;
    this.leaders = new LeaderLookup(replicas, metadata);
    this.followers = followers;
  }

  private record Wanted(
      String topic,
      Uuid topicId,
      TopicPartition tp,
      long fetchOffset,
      long logStartOffset,
      int maxBytes,
      int currentLeaderEpoch) {}

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, FetchRequest request) {
    short version = context.apiVersion();
    int replicaId = request.replicaId();
    boolean fromFollower = replicaId >= 0;
    ClusterMetadata cluster = metadata.get();
    List<Wanted> wanted = new ArrayList<>();
    for (FetchTopic topic : request.data().topics()) {
      String name = topic.topic();
      Uuid id = topic.topicId();
      if (version >= 13) {
        name = cluster.topicById(id).map(TopicInfo::name).orElse(null);
      } else {
        id = cluster.topic(name).map(TopicInfo::id).orElse(Uuid.ZERO_UUID);
      }
      for (FetchPartition p : topic.partitions()) {
        wanted.add(
            new Wanted(
                name,
                id,
                name == null ? null : new TopicPartition(name, p.partition()),
                p.fetchOffset(),
                p.logStartOffset(),
                p.partitionMaxBytes(),
                p.currentLeaderEpoch()));
      }
    }
    long now = System.currentTimeMillis();
    if (fromFollower) {
      for (Wanted w : wanted) {
        if (w.tp() != null) {
          replicas
              .get(w.tp())
              .ifPresent(
                  p ->
                      followers.onFollowerFetch(
                          p, replicaId, w.fetchOffset(), w.logStartOffset(), now));
        }
      }
    }
    boolean readCommitted =
        !fromFollower && request.isolationLevel() == IsolationLevel.READ_COMMITTED;
    // A consumer with a quota gets no more in one answer than the quota allows in a window.
    int maxBytes =
        fromFollower
            ? request.maxBytes()
            : (int) Math.min(request.maxBytes(), quotas.maxBytesPerAnswer(context.clientId()));
    // Like Kafka, never waits for more than one answer may hold.
    int minBytes = Math.min(request.minBytes(), maxBytes);
    Attempt first = read(wanted, maxBytes, replicaId, readCommitted, version);
    int maxWait = request.maxWait();
    if (first.bytes >= minBytes || maxWait <= 0 || first.hasError || wanted.isEmpty()) {
      return CompletableFuture.completedFuture(answer(context, fromFollower, first));
    }
    CompletableFuture<ApiMessage> result = new CompletableFuture<>();
    Set<TopicPartition> partitions = new LinkedHashSet<>();
    wanted.stream().map(Wanted::tp).forEach(partitions::add);
    AtomicBoolean done = new AtomicBoolean();
    purgatory.watch(
        new FetchPurgatory.Waiter() {
          @Override
          public Set<TopicPartition> partitions() {
            return partitions;
          }

          @Override
          public boolean tryComplete() {
            if (done.get()) {
              return true;
            }
            Attempt again = read(wanted, maxBytes, replicaId, readCommitted, version);
            if ((again.bytes >= minBytes || again.hasError) && done.compareAndSet(false, true)) {
              result.complete(answer(context, fromFollower, again));
              return true;
            }
            return done.get();
          }

          @Override
          public void forceComplete() {
            if (done.compareAndSet(false, true)) {
              result.complete(
                  answer(
                      context,
                      fromFollower,
                      read(wanted, maxBytes, replicaId, readCommitted, version)));
            }
          }
        },
        maxWait);
    return result;
  }

  /**
   * The response to send: the attempt's, or, when it would take a consumer over its quota, none of
   * its data, as Kafka answers: an empty response with the throttle time, its bytes not counted.
   */
  private ApiMessage answer(RequestContext context, boolean fromFollower, Attempt attempt) {
    long now = System.currentTimeMillis();
    if (fromFollower) {
      replicationThrottle.record(attempt.throttledBytes, now);
      return attempt.response;
    }
    long throttleMs = quotas.recordOrTakeBack(context.clientId(), attempt.bytes, now);
    if (throttleMs <= 0) {
      return attempt.response;
    }
    context.throttle(throttleMs);
    return new FetchResponseData()
        .setSessionId(0)
        .setErrorCode(Errors.NONE.code())
        .setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleMs));
  }

  private static final class Attempt {
    final FetchResponseData response =
        new FetchResponseData().setSessionId(0).setErrorCode(Errors.NONE.code());
    int bytes;
    long throttledBytes; // of replicas throttled by leader.replication.throttled.replicas
    boolean hasError;
  }

  private Attempt read(
      List<Wanted> wanted, int maxBytes, int replicaId, boolean readCommitted, short version) {
    Attempt attempt = new Attempt();
    FetchableTopicResponse topicResponse = null;
    int remaining = maxBytes;
    for (Wanted w : wanted) {
      boolean sameTopic =
          topicResponse != null
              && (version >= 13
                  ? topicResponse.topicId().equals(w.topicId())
                  : java.util.Objects.equals(topicResponse.topic(), w.topic()));
      if (!sameTopic) {
        topicResponse =
            new FetchableTopicResponse()
                .setTopic(w.topic() == null ? "" : w.topic())
                .setTopicId(w.topicId());
        attempt.response.responses().add(topicResponse);
      }
      PartitionData data =
          new PartitionData()
              .setPartitionIndex(w.tp() == null ? -1 : w.tp().partition())
              .setHighWatermark(-1)
              .setLastStableOffset(-1)
              .setLogStartOffset(-1)
              .setPreferredReadReplica(-1)
              .setRecords(MemoryRecords.EMPTY);
      topicResponse.partitions().add(data);
      Errors error =
          readPartition(w, data, remaining, attempt.bytes == 0, replicaId, readCommitted, attempt);
      if (error != Errors.NONE) {
        data.setErrorCode(error.code());
        attempt.hasError = true;
        continue;
      }
      int size = data.records().sizeInBytes();
      attempt.bytes += size;
      remaining = Math.max(0, remaining - size);
    }
    return attempt;
  }

  private Errors readPartition(
      Wanted w,
      PartitionData data,
      int remaining,
      boolean minOneBatch,
      int replicaId,
      boolean readCommitted,
      Attempt attempt) {
    boolean fromFollower = replicaId >= 0;
    if (w.tp() == null) {
      return Errors.UNKNOWN_TOPIC_ID;
    }
    LeaderLookup.Result leader = leaders.leaderFor(w.tp(), w.currentLeaderEpoch());
    if (leader.error() != Errors.NONE) {
      return leader.error();
    }
    Partition partition = leader.partition();
    PartitionLog log = partition.log();
    int limit = Math.min(w.maxBytes(), remaining);
    try {
      long lastStable = log.lastStableOffset();
      boolean throttled =
          fromFollower
              && replicationThrottle.isThrottled(w.tp(), partition.isr().contains(replicaId));
      if (throttled && replicationThrottle.isExceeded(System.currentTimeMillis())) {
        // Over leader.replication.throttled.rate: nothing for this replica now, only where the
        // log stands (Kafka's leader leaves the partition's records out the same way).
        data.setHighWatermark(log.highWatermark())
            .setLastStableOffset(Math.min(lastStable, log.highWatermark()))
            .setLogStartOffset(log.logStartOffset());
        return Errors.NONE;
      }
      long upTo = fromFollower ? Long.MAX_VALUE : readCommitted ? lastStable : log.highWatermark();
      ReadResult read = log.read(w.fetchOffset(), limit, upTo, minOneBatch);
      data.setHighWatermark(read.highWatermark())
          .setLastStableOffset(Math.min(lastStable, read.highWatermark()))
          .setLogStartOffset(read.logStartOffset());
      if (read.records() != null) {
        data.setRecords(read.records());
        if (throttled) {
          attempt.throttledBytes += read.records().sizeInBytes();
        }
        if (readCommitted) {
          List<AbortedTransaction> aborted = new ArrayList<>();
          long end = Math.min(upTo, read.records().endOffsetBound());
          for (long[] txn : log.abortedTransactions(w.fetchOffset(), end)) {
            aborted.add(new AbortedTransaction().setProducerId(txn[0]).setFirstOffset(txn[1]));
          }
          data.setAbortedTransactions(aborted);
        }
      }
      return Errors.NONE;
    } catch (OffsetOutOfRangeException e) {
      data.setHighWatermark(log.highWatermark())
          .setLastStableOffset(log.lastStableOffset())
          .setLogStartOffset(log.logStartOffset());
      return Errors.OFFSET_OUT_OF_RANGE;
    }
  }
}
