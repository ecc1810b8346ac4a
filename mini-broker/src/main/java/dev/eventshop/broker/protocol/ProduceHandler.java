package dev.eventshop.broker.protocol;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.log.PartitionLog.AppendResult;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.quota.ClientQuotaManager;
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
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce: appends each partition's batches to its leader replica. acks=0 gets no response, acks=1
 * a response once the leader's log has the batches, acks=all once every in-sync replica has them
 * (bounded by the request's timeout). A retried batch of an idempotent producer gets its original
 * offset.
 *
 * <p>Advertised from version 0 so librdkafka keeps compressing (compatibility rule 2); versions 0-2
 * cannot be parsed by current Kafka classes and close the connection if they ever arrive.
 */
public final class ProduceHandler extends VersionedApiHandler<ProduceRequest> {

  private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

  private final Replicas replicas;
  private final Supplier<ClusterMetadata> metadata;
  private final ClientQuotaManager quotas;

  /**
   * @param quotas the clients' {@code producer_byte_rate}
   */
  public ProduceHandler(
      Replicas replicas, Supplier<ClusterMetadata> metadata, ClientQuotaManager quotas) {
    super(ApiKeys.PRODUCE, 0, 9);
    this.replicas = replicas;
    this.metadata = metadata;
    this.quotas = quotas;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, ProduceRequest request) {
    short acks = request.acks();
    long now = System.currentTimeMillis();
    ProduceResponseData response = new ProduceResponseData();
    List<CompletableFuture<?>> waits = new ArrayList<>();
    for (TopicProduceData topic : request.data().topicData()) {
      TopicProduceResponse topicResponse = new TopicProduceResponse().setName(topic.name());
      response.responses().add(topicResponse);
      for (PartitionProduceData data : topic.partitionData()) {
        PartitionProduceResponse partitionResponse =
            new PartitionProduceResponse()
                .setIndex(data.index())
                .setBaseOffset(-1)
                .setLogAppendTimeMs(-1)
                .setLogStartOffset(-1);
        topicResponse.partitionResponses().add(partitionResponse);
        TopicPartition tp = new TopicPartition(topic.name(), data.index());
        // A replica hosted here is of a known partition: only a miss needs the metadata.
        Partition partition = replicas.get(tp).orElse(null);
        if (partition == null && metadata.get().partition(tp).isEmpty()) {
          fail(partitionResponse, Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
          continue;
        }
        try {
          // Kafka's own rules for the request's version: one record batch per partition, of
          // format v2, and zstd only from version 7.
          ProduceRequest.validateRecords(context.apiVersion(), data.records());
        } catch (ApiException e) {
          fail(partitionResponse, Errors.forException(e), e.getMessage());
          continue;
        }
        if (partition == null) {
          fail(partitionResponse, Errors.NOT_LEADER_OR_FOLLOWER, null);
          continue;
        }
        try {
          CompletableFuture<AppendResult> appended =
              partition.appendAsLeader(
                  (MemoryRecords) data.records(),
                  AppendOrigin.CLIENT,
                  acks,
                  partition.log().config().minInsyncReplicas(),
                  now);
          waits.add(
              appended
                  .orTimeout(Math.max(1, request.data().timeoutMs()), TimeUnit.MILLISECONDS)
                  .handle(
                      (result, error) -> {
                        if (error == null) {
                          partitionResponse
                              .setBaseOffset(result.baseOffset())
                              .setLogAppendTimeMs(result.logAppendTimeMs())
                              .setLogStartOffset(partition.log().logStartOffset());
                        } else {
                          Throwable cause = Errors.maybeUnwrapException(error);
                          fail(
                              partitionResponse,
                              cause instanceof TimeoutException
                                  ? Errors.REQUEST_TIMED_OUT
                                  : Errors.forException(cause),
                              cause.getMessage());
                        }
                        return null;
                      }));
        } catch (IOException e) {
          log.error("{}: cannot append", tp, e);
          fail(partitionResponse, Errors.KAFKA_STORAGE_ERROR, e.getMessage());
        } catch (RuntimeException e) {
          Errors error = Errors.forException(e);
          if (error == Errors.UNKNOWN_SERVER_ERROR) {
            log.error("{}: unexpected error appending from {}", tp, context.clientId(), e);
          }
          fail(partitionResponse, error, e.getMessage());
        }
      }
    }
    // Like Kafka, counts every request's bytes against the client's quota, answered or not.
    long throttleMs = quotas.recordAndGetThrottleTimeMs(context.clientId(), bytes(request), now);
    if (throttleMs > 0) {
      response.setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleMs));
      context.throttle(throttleMs);
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new));
    return all.thenApply(ignored -> acks == 0 ? null : response);
  }

  private static long bytes(ProduceRequest request) {
    long bytes = 0;
    for (TopicProduceData topic : request.data().topicData()) {
      for (PartitionProduceData data : topic.partitionData()) {
        bytes += data.records() == null ? 0 : data.records().sizeInBytes();
      }
    }
    return bytes;
  }

  private static void fail(PartitionProduceResponse response, Errors error, String message) {
    response.setErrorCode(error.code()).setErrorMessage(message);
  }
}
