package dev.eventshop.broker.protocol;

import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/**
 * ListOffsets: the earliest offset, the latest (the high watermark for clients), the first offset
 * at or after a timestamp (through the time index), or the offset of the largest timestamp.
 * Versions 1-8; "earliest local" (-4) equals earliest because all data is local. Right after a
 * leader election, until the new leader's high watermark reaches the start of its epoch, the latest
 * offset (and a timestamp past the visible end) is OFFSET_NOT_AVAILABLE (LEADER_NOT_AVAILABLE
 * before v5), which clients retry.
 */
public final class ListOffsetsHandler extends VersionedApiHandler<ListOffsetsRequest> {

  private final LeaderLookup leaders;

  public ListOffsetsHandler(Replicas replicas, Supplier<ClusterMetadata> metadata) {
    super(ApiKeys.LIST_OFFSETS, 1, 8);
    this.leaders = new LeaderLookup(replicas, metadata);
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, ListOffsetsRequest request) {
    boolean fromReplica = request.data().replicaId() >= 0;
    boolean readCommitted =
        !fromReplica && request.data().isolationLevel() == IsolationLevel.READ_COMMITTED.id();
    ListOffsetsResponseData response = new ListOffsetsResponseData();
    for (ListOffsetsTopic topic : request.data().topics()) {
      ListOffsetsTopicResponse topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
      response.topics().add(topicResponse);
      for (ListOffsetsPartition p : topic.partitions()) {
        topicResponse
            .partitions()
            .add(
                lookup(
                    new TopicPartition(topic.name(), p.partitionIndex()),
                    p,
                    fromReplica,
                    readCommitted,
                    context.apiVersion()));
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  private ListOffsetsPartitionResponse lookup(
      TopicPartition tp,
      ListOffsetsPartition p,
      boolean fromReplica,
      boolean readCommitted,
      short version) {
    ListOffsetsPartitionResponse out =
        new ListOffsetsPartitionResponse()
            .setPartitionIndex(tp.partition())
            .setTimestamp(-1)
            .setOffset(-1)
            .setLeaderEpoch(-1);
    LeaderLookup.Result leader = leaders.leaderFor(tp, p.currentLeaderEpoch());
    if (leader.error() != Errors.NONE) {
      return out.setErrorCode(leader.error().code());
    }
    Partition partition = leader.partition();
    PartitionLog log = partition.log();
    // A new leader's high watermark may still trail the old leader's: a client must not take it
    // for the end (an "end offset" below acknowledged records); it retries instead. Clients older
    // than v5 do not know OFFSET_NOT_AVAILABLE and get LEADER_NOT_AVAILABLE, as from Kafka.
    // read_committed consumers end at the last stable offset, before any open transaction.
    OptionalLong end = fromReplica ? OptionalLong.of(log.logEndOffset()) : partition.committedEnd();
    if (readCommitted && end.isPresent()) {
      end = OptionalLong.of(Math.min(end.getAsLong(), log.lastStableOffset()));
    }
    Errors endUnknown = version >= 5 ? Errors.OFFSET_NOT_AVAILABLE : Errors.LEADER_NOT_AVAILABLE;
    long timestamp = p.timestamp();
    if (version >= 4) {
      // The field exists from v4 on; writing it at v1-3 fails the response (KafkaJS uses v3).
      out.setLeaderEpoch(partition.leaderEpoch());
    }
    if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP
        || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
      return out.setOffset(log.logStartOffset());
    }
    if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
      return end.isPresent() ? out.setOffset(end.getAsLong()) : out.setErrorCode(endUnknown.code());
    }
    Optional<TimestampAndOffset> found =
        timestamp == ListOffsetsRequest.MAX_TIMESTAMP
            ? log.maxTimestamp()
            : log.offsetForTimestamp(timestamp);
    long visibleEnd = end.isPresent() ? end.getAsLong() : log.highWatermark();
    if (found.isPresent() && found.get().offset < visibleEnd) {
      return out.setTimestamp(found.get().timestamp).setOffset(found.get().offset);
    }
    return end.isPresent() ? out : out.setErrorCode(endUnknown.code());
  }
}
