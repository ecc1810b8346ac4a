package dev.eventshop.broker.protocol;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.quota.ClientQuotaManager;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce: appends each partition's batches to its leader replica. acks=0 gets no response, acks=1
 * a response once the leader's log has the batches, acks=all once every in-sync replica has them
 * (bounded by the request's timeout). A retried batch of an idempotent producer gets its original
 * offset.
 *
 * <p>From version 12 a transactional producer uses transaction version 2 (KIP-890): it does not add
 * partitions to its transaction itself, so before the first write of a transaction to a partition
 * this broker adds the partition through the {@link PartitionAdder} and appends once the
 * transaction coordinator has it. Version 10 adds the leader hints of KIP-951 to
 * NOT_LEADER_OR_FOLLOWER answers ({@link #withLeaderHints}); 11 only allows TRANSACTION_ABORTABLE;
 * 13 (topic ids) is not advertised.
 *
 * <p>Advertised from version 0 so librdkafka keeps compressing (compatibility rule 2); versions 0-2
 * cannot be parsed by current Kafka classes and close the connection if they ever arrive.
 */
public final class ProduceHandler extends VersionedApiHandler<ProduceRequest> {

  private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

  /** The first version whose transactional writes add their partitions (transaction version 2). */
  static final short FIRST_ADDING_VERSION = 12;

  private final Replicas replicas;
  private final Supplier<ClusterMetadata> metadata;
  private final ClientQuotaManager quotas;
  private final PartitionAdder adder;

  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /**
   * Per connection, the start of the appends of its last request that waits for an add to a
   * transaction; present only while it waits.
   */
  private final Map<String, CompletableFuture<Void>> deferred = new ConcurrentHashMap<>();

  /** A partition's batches that passed the checks, to append. */
  private record Append(
      Partition partition, MemoryRecords records, PartitionProduceResponse response) {}

  /**
   * @param quotas the clients' {@code producer_byte_rate}
   * @param adder adds partitions to transactions of version 2
   */
  public ProduceHandler(
      Replicas replicas,
      Supplier<ClusterMetadata> metadata,
      ClientQuotaManager quotas,
      PartitionAdder adder) {
    super(ApiKeys.PRODUCE, 0, 12);
    this.replicas = replicas;
    this.metadata = metadata;
    this.quotas = quotas;
    this.adder = adder;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, ProduceRequest request) {
    short acks = request.acks();
    long now = System.currentTimeMillis();
    ProduceResponseData response = new ProduceResponseData();
    List<Append> appends = new ArrayList<>();
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
        appends.add(new Append(partition, (MemoryRecords) data.records(), partitionResponse));
      }
    }
    // Like Kafka, counts every request's bytes against the client's quota, answered or not.
    long throttleMs = quotas.recordAndGetThrottleTimeMs(context.clientId(), bytes(request), now);
    if (throttleMs > 0) {
      response.setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, throttleMs));
      context.throttle(throttleMs);
    }
    // A request whose appends wait for an add to a transaction holds back the appends of the
    // connection's later requests, which a producer numbers after it: Kafka reads a connection's
    // next request only after answering this one, mini-broker reads on.
    String connection = context.connectionId();
    CompletableFuture<Void> previous = deferred.getOrDefault(connection, DONE);
    CompletableFuture<List<CompletableFuture<?>>> started =
        previous.isDone()
            ? startAppends(context, request, appends, acks, now)
            : previous.thenCompose(ignored -> startAppends(context, request, appends, acks, now));
    if (!started.isDone()) {
      CompletableFuture<Void> phase = started.handle((waits, error) -> null);
      deferred.put(connection, phase);
      phase.whenComplete((ignored, error) -> deferred.remove(connection, phase));
    }
    return started
        .thenCompose(waits -> CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)))
        .thenApply(ignored -> acks == 0 ? null : withLeaderHints(context, response));
  }

  /**
   * From version 10 (KIP-951), a partition answered NOT_LEADER_OR_FOLLOWER names its current leader
   * and epoch, and the response that leader's address on the client's listener, as Kafka answers:
   * the client sends the batch there without first asking for metadata.
   */
  private ProduceResponseData withLeaderHints(
      RequestContext context, ProduceResponseData response) {
    if (context.apiVersion() < 10) {
      return response;
    }
    ClusterMetadata cluster = null;
    for (TopicProduceResponse topic : response.responses()) {
      for (PartitionProduceResponse p : topic.partitionResponses()) {
        if (p.errorCode() != Errors.NOT_LEADER_OR_FOLLOWER.code()) {
          continue;
        }
        cluster = cluster == null ? metadata.get() : cluster;
        var info = cluster.partition(new TopicPartition(topic.name(), p.index()));
        if (info.isEmpty()) {
          continue;
        }
        int leader = info.get().leader();
        p.currentLeader().setLeaderId(leader).setLeaderEpoch(info.get().leaderEpoch());
        cluster
            .liveNode(leader, context.listenerName())
            .filter(node -> response.nodeEndpoints().find(node.id()) == null)
            .ifPresent(
                node ->
                    response
                        .nodeEndpoints()
                        .add(
                            new ProduceResponseData.NodeEndpoint()
                                .setNodeId(node.id())
                                .setHost(node.host())
                                .setPort(node.port())
                                .setRack(node.rack())));
      }
    }
    return response;
  }

  /**
   * Appends what passed the checks, after adding its partitions to the producer's transaction when
   * the request is of transaction version 2; completes, once every append has started, with the
   * futures of their completions.
   */
  private CompletableFuture<List<CompletableFuture<?>>> startAppends(
      RequestContext context, ProduceRequest request, List<Append> appends, short acks, long now) {
    CompletableFuture<Void> added =
        context.apiVersion() >= FIRST_ADDING_VERSION && request.transactionalId() != null
            ? addToTransaction(request.transactionalId(), appends)
            : DONE;
    return added.thenApply(
        ignored -> {
          List<CompletableFuture<?>> waits = new ArrayList<>();
          for (Append append : appends) {
            if (append.response().errorCode() == Errors.NONE.code()) {
              waits.add(append(context, request, append, acks, now));
            }
          }
          return waits;
        });
  }

  /**
   * Adds the partitions this request opens its producer's transaction in to that transaction
   * (transaction version 2); a partition that cannot be added gets its error and is not appended.
   * As in Kafka, the transaction coordinator's errors that a client of version 1 would not retry
   * become NOT_ENOUGH_REPLICAS, which every client retries.
   */
  private CompletableFuture<Void> addToTransaction(String transactionalId, List<Append> appends) {
    Map<TopicPartition, Append> toAdd = new LinkedHashMap<>();
    List<Append> transactional = new ArrayList<>();
    for (Append append : appends) {
      RecordBatch batch = append.records().firstBatch();
      if (batch != null && batch.isTransactional() && batch.hasProducerId()) {
        transactional.add(append);
      }
    }
    if (transactional.isEmpty()) {
      return DONE;
    }
    RecordBatch first = transactional.get(0).records().firstBatch();
    long producerId = first.producerId();
    short epoch = first.producerEpoch();
    if (transactional.stream()
        .map(a -> a.records().firstBatch())
        .anyMatch(b -> b.producerId() != producerId || b.producerEpoch() != epoch)) {
      // As Kafka, which refuses the whole request.
      appends.forEach(
          a ->
              fail(
                  a.response(),
                  Errors.INVALID_PRODUCER_ID_MAPPING,
                  "Transactional records contained more than one producer ID"));
      return DONE;
    }
    for (Append append : transactional) {
      Partition partition = append.partition();
      if (!partition.isLeader()) {
        // Checked before adding, so that a follower adds nothing it will not write.
        fail(append.response(), Errors.NOT_LEADER_OR_FOLLOWER, null);
        continue;
      }
      try {
        int sequence = append.records().firstBatch().baseSequence();
        if (partition.log().needsAddToTransaction(producerId, epoch, sequence)) {
          toAdd.put(partition.topicPartition(), append);
        }
      } catch (ApiException e) {
        fail(append.response(), Errors.forException(e), e.getMessage());
      }
    }
    if (toAdd.isEmpty()) {
      return DONE;
    }
    return adder
        .add(transactionalId, producerId, epoch, toAdd.keySet())
        .thenAccept(
            errors ->
                errors.forEach(
                    (tp, error) -> {
                      Append append = toAdd.get(tp);
                      if (append == null || error == Errors.NONE) {
                        return;
                      }
                      switch (error) {
                        case NETWORK_EXCEPTION,
                            COORDINATOR_LOAD_IN_PROGRESS,
                            COORDINATOR_NOT_AVAILABLE,
                            NOT_COORDINATOR ->
                            fail(
                                append.response(),
                                Errors.NOT_ENOUGH_REPLICAS,
                                "Unable to add the partition to the transaction. Underlying"
                                    + " error: "
                                    + error);
                        case INVALID_TXN_STATE ->
                            fail(
                                append.response(),
                                error,
                                "Partition was not added to the transaction");
                        default -> fail(append.response(), error, error.message());
                      }
                    }));
  }

  private CompletableFuture<?> append(
      RequestContext context, ProduceRequest request, Append append, short acks, long now) {
    Partition partition = append.partition();
    PartitionProduceResponse partitionResponse = append.response();
    TopicPartition tp = partition.topicPartition();
    try {
      return partition
          .appendAsLeader(
              append.records(),
              AppendOrigin.CLIENT,
              acks,
              partition.log().config().minInsyncReplicas(),
              now)
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
              });
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
    return CompletableFuture.completedFuture(null);
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
