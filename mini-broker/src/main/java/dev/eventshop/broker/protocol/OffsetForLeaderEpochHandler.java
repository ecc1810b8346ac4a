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
public final class OffsetForLeaderEpochHandler
    extends VersionedApiHandler<OffsetsForLeaderEpochRequest> {

  private final LeaderLookup leaders;

  public OffsetForLeaderEpochHandler(Replicas replicas, Supplier<ClusterMetadata> metadata) {
    super(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4);
    this.leaders = new LeaderLookup(replicas, metadata);
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
    LeaderLookup.Result leader = leaders.leaderFor(tp, p.currentLeaderEpoch());
    if (leader.error() != Errors.NONE) {
      return out.setErrorCode(leader.error().code());
    }
    Partition partition = leader.partition();
    EpochEnd end =
        partition
            .log()
            .leaderEpochs()
            .endOffsetFor(p.leaderEpoch(), partition.log().logEndOffset());
    return out.setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
  }
}
