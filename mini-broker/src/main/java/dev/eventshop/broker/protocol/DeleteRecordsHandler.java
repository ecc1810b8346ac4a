package dev.eventshop.broker.protocol;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
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
 * given offset ({@code -1}: the high watermark) and answers with the partition's "low watermark"
 * once every in-sync follower has taken the new start from its fetches ({@link
 * Partition#deleteRecordsBefore}), or REQUEST_TIMED_OUT after the request's timeout. A topic with
 * {@code cleanup.policy=compact} alone refuses (POLICY_VIOLATION), as in Kafka. Versions 0-2.
 */
public final class DeleteRecordsHandler extends VersionedApiHandler<DeleteRecordsRequest> {

  private static final Logger log = LoggerFactory.getLogger(DeleteRecordsHandler.class);

  private final LeaderLookup leaders;

  public DeleteRecordsHandler(Replicas replicas, Supplier<ClusterMetadata> metadata) {
    super(ApiKeys.DELETE_RECORDS, 0, 2);
    this.leaders = new LeaderLookup(replicas, metadata);
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, DeleteRecordsRequest request) {
    DeleteRecordsResponseData response = new DeleteRecordsResponseData();
    List<CompletableFuture<?>> waits = new ArrayList<>();
    long timeoutMs = Math.max(0, request.data().timeoutMs());
    for (DeleteRecordsTopic topic : request.data().topics()) {
      DeleteRecordsTopicResult result = new DeleteRecordsTopicResult().setName(topic.name());
      response.topics().add(result);
      for (DeleteRecordsPartition p : topic.partitions()) {
        DeleteRecordsPartitionResult partitionResult =
            new DeleteRecordsPartitionResult()
                .setPartitionIndex(p.partitionIndex())
                .setLowWatermark(-1);
        result.partitions().add(partitionResult);
        TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
        waits.add(
            delete(tp, p.offset())
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .handle(
                    (low, error) -> {
                      partitionResult
                          .setLowWatermark(error == null ? low : -1)
                          .setErrorCode(errorOf(tp, error).code());
                      return null;
                    }));
      }
    }
    return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
        .thenApply(done -> response);
  }

  private CompletableFuture<Long> delete(TopicPartition tp, long offset) {
    LeaderLookup.Result leader = leaders.leaderFor(tp, -1);
    if (leader.error() != Errors.NONE) {
      return CompletableFuture.failedFuture(leader.error().exception());
    }
    if (!leader.partition().log().config().delete()) {
      return CompletableFuture.failedFuture(
          new PolicyViolationException("records of " + tp + " cannot be deleted: it is compacted"));
    }
    long before =
        offset == DeleteRecordsRequest.HIGH_WATERMARK
            ? leader.partition().log().highWatermark()
            : offset;
    if (before < 0) {
      return CompletableFuture.failedFuture(
          new OffsetOutOfRangeException("no offset " + before + " in " + tp));
    }
    try {
      return leader.partition().deleteRecordsBefore(before);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Errors errorOf(TopicPartition tp, Throwable error) {
    if (error == null) {
      return Errors.NONE;
    }
    Throwable cause = Errors.maybeUnwrapException(error);
    if (cause instanceof TimeoutException) {
      return Errors.REQUEST_TIMED_OUT; // the followers did not take the new log start in time
    }
    if (cause instanceof IOException) {
      log.error("{}: cannot delete records", tp, cause);
      return Errors.KAFKA_STORAGE_ERROR;
    }
    return Errors.forException(cause);
  }
}
