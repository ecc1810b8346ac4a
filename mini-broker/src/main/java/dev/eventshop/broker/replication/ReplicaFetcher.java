package dev.eventshop.broker.replication;

import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.metadata.ClusterMetadata.Endpoint;
import dev.eventshop.broker.network.BrokerChannel;
import dev.eventshop.broker.quota.ReplicationThrottles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that keeps this broker's follower replicas of partitions led by one other broker up to
 * date: it fetches from the leader exactly as a consumer does, but with its broker id as replica
 * id, so the leader reads up to its log end and learns how far this follower is.
 *
 * <p>Before fetching a partition for a new leader epoch, it asks the leader where this replica's
 * latest epoch ended (OffsetForLeaderEpoch) and truncates anything past that point: records the old
 * leader wrote but never committed. Thread-safe: partitions are added and removed from other
 * threads; the fetch loop runs on its own thread.
 */
final class ReplicaFetcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
  private static final short FETCH_VERSION = 12;
  private static final short EPOCH_VERSION = 4;

  /** Kafka's defaults for replica.fetch.max.bytes and replica.fetch.response.max.bytes. */
  private static final int REPLICA_FETCH_MAX_BYTES = 1024 * 1024;

  private static final int REPLICA_FETCH_RESPONSE_MAX_BYTES = 10 * 1024 * 1024;

  /** A followed partition: its replica and whether it must first truncate for a new epoch. */
  private static final class Followed {
    final Partition partition;
    final int leaderEpoch;
    volatile boolean needsTruncation = true;

    Followed(Partition partition, int leaderEpoch) {
      this.partition = partition;
      this.leaderEpoch = leaderEpoch;
    }
  }

  private final int localBrokerId;
  private final int leaderId;
  private final Supplier<Endpoint> leaderAddress;
  private final ReplicationThrottles.Side throttle;
  private final Map<TopicPartition, Followed> partitions = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  // Volatile: close() shuts it from another thread to end a fetch that is waiting on the leader.
  private volatile BrokerChannel channel;

  /**
   * @param leaderAddress the leader's inter-broker endpoint, or null while it is not known
   * @param throttle what this broker, as follower, may fetch for replicas out of sync
   */
  ReplicaFetcher(
      int localBrokerId,
      int leaderId,
      Supplier<Endpoint> leaderAddress,
      ReplicationThrottles.Side throttle) {
    this.throttle = throttle;
    this.localBrokerId = localBrokerId;
    this.leaderId = leaderId;
    this.leaderAddress = leaderAddress;
    this.thread = new Thread(this::run, "replica-fetcher-" + localBrokerId + "-from-" + leaderId);
    thread.setDaemon(true);
    thread.start();
  }

  void add(Partition partition, int leaderEpoch) {
    Followed current = partitions.get(partition.topicPartition());
    if (current == null || current.leaderEpoch != leaderEpoch || current.partition != partition) {
      partitions.put(partition.topicPartition(), new Followed(partition, leaderEpoch));
    }
  }

  void remove(TopicPartition tp) {
    partitions.remove(tp);
  }

  boolean isEmpty() {
    return partitions.isEmpty();
  }

  private void run() {
    while (running) {
      try {
        if (partitions.isEmpty()) {
          Thread.sleep(50);
          continue;
        }
        if (channel == null) {
          Endpoint address = leaderAddress.get();
          if (address == null) {
            Thread.sleep(200);
            continue;
          }
          channel =
              new BrokerChannel(
                  address.host(),
                  address.port(),
                  "broker-" + localBrokerId + "-replica-fetcher",
                  10_000);
        }
        truncateWhereNeeded();
        fetchOnce();
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (running) {
          log.debug("fetching from broker {} failed: {}", leaderId, e.toString());
          closeChannel();
          sleepQuietly(200);
        }
      }
    }
    closeChannel();
  }

  private void truncateWhereNeeded() throws IOException {
    List<Followed> pending = partitions.values().stream().filter(f -> f.needsTruncation).toList();
    if (pending.isEmpty()) {
      return;
    }
    OffsetForLeaderEpochRequestData request =
        new OffsetForLeaderEpochRequestData().setReplicaId(localBrokerId);
    Map<String, OffsetForLeaderEpochRequestData.OffsetForLeaderTopic> topics =
        new LinkedHashMap<>();
    for (Followed f : pending) {
      TopicPartition tp = f.partition.topicPartition();
      int latest = f.partition.log().leaderEpochs().latestEpoch();
      if (latest < 0) {
        f.needsTruncation = false; // an empty history has nothing to diverge
        continue;
      }
      topics
          .computeIfAbsent(
              tp.topic(),
              t -> new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(t))
          .partitions()
          .add(
              new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                  .setPartition(tp.partition())
                  .setCurrentLeaderEpoch(f.leaderEpoch)
                  .setLeaderEpoch(latest));
    }
    if (topics.isEmpty()) {
      return;
    }
    topics.values().forEach(request.topics()::add);
    OffsetsForLeaderEpochResponse response =
        channel.send(ApiKeys.OFFSET_FOR_LEADER_EPOCH, EPOCH_VERSION, request);
    for (OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult topic :
        response.data().topics()) {
      for (OffsetForLeaderEpochResponseData.EpochEndOffset p : topic.partitions()) {
        Followed f = partitions.get(new TopicPartition(topic.topic(), p.partition()));
        if (f == null || Errors.forCode(p.errorCode()) != Errors.NONE) {
          continue;
        }
        PartitionLog replicaLog = f.partition.log();
        long target =
            p.endOffset() < 0
                ? replicaLog.highWatermark()
                : Math.min(p.endOffset(), replicaLog.logEndOffset());
        if (target < replicaLog.logEndOffset()) {
          log.info(
              "{}: truncating from {} to {}: the leader {} ended epoch {} there",
              f.partition.topicPartition(),
              replicaLog.logEndOffset(),
              target,
              leaderId,
              p.leaderEpoch());
          replicaLog.truncateTo(target);
        }
        f.needsTruncation = false;
      }
    }
  }

  private void fetchOnce() throws IOException {
    FetchRequestData request =
        new FetchRequestData()
            .setReplicaId(localBrokerId)
            .setMaxWaitMs(500)
            .setMinBytes(1)
            .setMaxBytes(REPLICA_FETCH_RESPONSE_MAX_BYTES)
            .setSessionId(0)
            .setSessionEpoch(-1);
    Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
    List<Followed> fetched = new ArrayList<>();
    // follower.replication.throttled.rate: over it, replicas out of sync that the topic lists as
    // throttled on this broker wait (Kafka's follower leaves them out of its fetch the same way).
    boolean overRate = throttle.isExceeded(System.currentTimeMillis());
    Set<TopicPartition> throttled = new HashSet<>();
    boolean heldBack = false;
    for (Followed f : partitions.values()) {
      if (f.needsTruncation) {
        continue;
      }
      TopicPartition tp = f.partition.topicPartition();
      if (throttle.isThrottled(tp, f.partition.isr().contains(localBrokerId))) {
        if (overRate) {
          heldBack = true;
          continue;
        }
        throttled.add(tp);
      }
      topics
          .computeIfAbsent(tp.topic(), t -> new FetchRequestData.FetchTopic().setTopic(t))
          .partitions()
          .add(
              new FetchRequestData.FetchPartition()
                  .setPartition(tp.partition())
                  .setCurrentLeaderEpoch(f.leaderEpoch)
                  .setFetchOffset(f.partition.log().logEndOffset())
                  .setLogStartOffset(f.partition.log().logStartOffset())
                  .setPartitionMaxBytes(REPLICA_FETCH_MAX_BYTES));
      fetched.add(f);
    }
    if (fetched.isEmpty()) {
      if (heldBack) {
        sleepQuietly(100); // until the rate falls back under the limit
      }
      return;
    }
    topics.values().forEach(request.topics()::add);
    FetchResponse response = channel.send(ApiKeys.FETCH, FETCH_VERSION, request);
    long now = System.currentTimeMillis();
    boolean backOff = false;
    for (FetchResponseData.FetchableTopicResponse topic : response.data().responses()) {
      for (FetchResponseData.PartitionData p : topic.partitions()) {
        Followed f = partitions.get(new TopicPartition(topic.topic(), p.partitionIndex()));
        if (f == null || !running || f.partition.isLeader()) {
          // No longer followed from here (closed, removed, or this replica leads now): what the
          // old leader sent must not touch a log that may take produce requests.
          continue;
        }
        Errors error = Errors.forCode(p.errorCode());
        switch (error) {
          case NONE -> {
            MemoryRecords records = (MemoryRecords) p.records();
            if (records.sizeInBytes() > 0) {
              f.partition.log().appendAsFollower(records, now);
              if (throttled.contains(f.partition.topicPartition())) {
                throttle.record(records.sizeInBytes(), now);
              }
            }
            f.partition.updateFollowerHighWatermark(p.highWatermark());
            f.partition.log().followLogStartOffset(p.logStartOffset());
          }
          case OFFSET_OUT_OF_RANGE -> {
            PartitionLog replicaLog = f.partition.log();
            if (replicaLog.logEndOffset() < p.logStartOffset()) {
              // Retention on the leader deleted records this replica never had: start over at
              // the leader's log start, as a Kafka follower does.
              log.info(
                  "{}: log end {} is before the leader {}'s log start {}; starting over there",
                  f.partition.topicPartition(),
                  replicaLog.logEndOffset(),
                  leaderId,
                  p.logStartOffset());
              replicaLog.truncateFullyAndStartAt(p.logStartOffset());
            } else {
              f.needsTruncation = true;
              backOff = true;
            }
          }
          default -> backOff = true; // leadership is moving; the metadata will tell us where
        }
      }
    }
    if (backOff) {
      sleepQuietly(100);
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeChannel() {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  /**
   * Stops the fetch loop. Never by interrupting its thread: a thread interrupted while it writes to
   * a segment's FileChannel closes that channel for good (NIO's interruptible channels), and every
   * later append to the segment fails. Closing the leader's socket ends a fetch that waits there;
   * the loop's own sleeps are short.
   */
  @Override
  public void close() {
    running = false;
    BrokerChannel open = channel;
    if (open != null) {
      open.close();
    }
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
