package dev.eventshop.broker.protocol;

import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.replication.Replicas;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteRecords ({@code Admin.deleteRecords}, {@code kafka-delete-records.sh}, Kafka Streams
 * purging its repartition topics): the leader moves each partition's log start offset up to the
 * given offset ({@code -1}: the high watermark) and answers with the new log start, the partition's
 * "low watermark". Followers take the new start from their next fetch. Kafka answers once every
 * live replica has moved; this leader answers at once. A topic with {@code cleanup.policy=compact}
 * alone refuses (POLICY_VIOLATION), as in Kafka. Versions 0-2.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {

  private static final Logger log = LoggerFactory.getLogger(DeleteRecordsHandler.class);

  private final LeaderLookup leaders;

  public DeleteRecordsHandler(Replicas replicas, Supplier<ClusterMetadata> metadata) {
    this.leaders = new LeaderLookup(replicas, metadata);
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DELETE_RECORDS;
  }

  @Override
  public short minVersion() {
    return 0;
  }

  @Override
  public short maxVersion() {
    return 2;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, DeleteRecordsRequest request) {
    DeleteRecordsResponseData response = new DeleteRecordsResponseData();
    for (DeleteRecordsTopic topic : request.data().topics()) {
      DeleteRecordsTopicResult result = new DeleteRecordsTopicResult().setName(topic.name());
      response.topics().add(result);
      for (DeleteRecordsPartition p : topic.partitions()) {
        result
            .partitions()
            .add(delete(new TopicPartition(topic.name(), p.partitionIndex()), p.offset()));
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  private DeleteRecordsPartitionResult delete(TopicPartition tp, long offset) {
    DeleteRecordsPartitionResult result =
        new DeleteRecordsPartitionResult().setPartitionIndex(tp.partition()).setLowWatermark(-1);
    LeaderLookup.Result leader = leaders.leaderFor(tp, -1);
    if (leader.error() != Errors.NONE) {
      return result.setErrorCode(leader.error().code());
    }
    PartitionLog partitionLog = leader.partition().log();
    if (!partitionLog.config().delete()) {
      return result.setErrorCode(Errors.POLICY_VIOLATION.code());
    }
    long before =
        offset == DeleteRecordsRequest.HIGH_WATERMARK ? partitionLog.highWatermark() : offset;
    if (before < 0) {
      return result.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
    }
    try {
      return result.setLowWatermark(partitionLog.deleteRecordsBefore(before));
    } catch (OffsetOutOfRangeException e) {
      return result.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
    } catch (IOException e) {
      log.error("{}: cannot delete records before offset {}", tp, before, e);
      return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
    }
  }
}
