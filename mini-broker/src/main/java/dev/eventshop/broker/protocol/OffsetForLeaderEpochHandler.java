package dev.eventshop.broker.protocol;

import dev.eventshop.broker.log.LeaderEpochCache.EpochEnd;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;

/**
 * OffsetForLeaderEpoch: for a leader epoch a client or follower knows, the largest epoch the leader
 * has at or below it and where that epoch ended. Consumers use it to detect truncation after a
 * leader change; returning replicas use it to cut their divergent tail. Versions 2-4.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetsForLeaderEpochRequest> {

  private final Replicas replicas;
  private final Supplier<ClusterMetadata> metadata;

  public OffsetForLeaderEpochHandler(Replicas replicas, Supplier<ClusterMetadata> metadata) {
    this.replicas = replicas;
    this.metadata = metadata;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
  }

  @Override
  public short minVersion() {
    return 2;
  }

  @Override
  public short maxVersion() {
    return 4;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, OffsetsForLeaderEpochRequest request) {
    OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
    for (OffsetForLeaderTopic topic : request.data().topics()) {
      OffsetForLeaderTopicResult result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
      response.topics().add(result);
      for (OffsetForLeaderPartition p : topic.partitions()) {
        result.partitions().add(lookup(new TopicPartition(topic.topic(), p.partition()), p));
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  private EpochEndOffset lookup(TopicPartition tp, OffsetForLeaderPartition p) {
    EpochEndOffset out =
        new EpochEndOffset().setPartition(tp.partition()).setLeaderEpoch(-1).setEndOffset(-1);
    Partition partition = replicas.get(tp).orElse(null);
    if (partition == null) {
      Errors error =
          metadata.get().partition(tp).isPresent()
              ? Errors.NOT_LEADER_OR_FOLLOWER
              : Errors.UNKNOWN_TOPIC_OR_PARTITION;
      return out.setErrorCode(error.code());
    }
    if (!partition.isLeader()) {
      return out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
    }
    if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != partition.leaderEpoch()) {
      Errors error =
          p.currentLeaderEpoch() < partition.leaderEpoch()
              ? Errors.FENCED_LEADER_EPOCH
              : Errors.UNKNOWN_LEADER_EPOCH;
      return out.setErrorCode(error.code());
    }
    EpochEnd end =
        partition
            .log()
            .leaderEpochs()
            .endOffsetFor(p.leaderEpoch(), partition.log().logEndOffset());
    return out.setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
  }
}
