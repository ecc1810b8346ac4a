package dev.eventshop.broker.transaction;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

/**
 * AddPartitionsToTxn. Versions 0-3 come from a transactional producer of transaction version 1,
 * before its first write to a partition in a transaction: one transaction per request. Versions 4-5
 * come from brokers, several transactions per request: the leader of a partition a producer of
 * transaction version 2 writes to adds it on the producer's behalf ({@link
 * TransactionPartitionAdder}), or, with VerifyOnly, a Kafka broker of version 1 checks that the
 * producer added it. A partition of an unknown topic fails its transaction: it gets
 * UNKNOWN_TOPIC_OR_PARTITION, the others OPERATION_NOT_ATTEMPTED, as in Kafka.
 */
public final class AddPartitionsToTxnHandler
    extends VersionedApiHandler<AddPartitionsToTxnRequest> {

  /** The first version sent by brokers, for transaction version 2. */
  static final short FIRST_BROKER_VERSION = 4;

  private final TransactionCoordinator coordinator;
  private final Supplier<ClusterMetadata> metadata;

  public AddPartitionsToTxnHandler(
      TransactionCoordinator coordinator, Supplier<ClusterMetadata> metadata) {
    super(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 5);
    this.coordinator = coordinator;
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, AddPartitionsToTxnRequest request) {
    var data = request.data();
    short version = context.apiVersion();
    if (version < FIRST_BROKER_VERSION) {
      return add(
              data.v3AndBelowTransactionalId(),
              data.v3AndBelowProducerId(),
              data.v3AndBelowProducerEpoch(),
              AddPartitionsToTxnRequest.getPartitions(data.v3AndBelowTopics()),
              (short) 0,
              error -> TransactionApis.forVersion(error, version, (short) 2))
          .thenApply(
              result ->
                  new AddPartitionsToTxnResponseData()
                      .setResultsByTopicV3AndBelow(result.topicResults()));
    }
    Map<String, List<TopicPartition>> partitions = request.partitionsByTransaction();
    List<CompletableFuture<AddPartitionsToTxnResult>> results = new ArrayList<>();
    for (AddPartitionsToTxnTransaction txn : data.transactions()) {
      List<TopicPartition> tps = partitions.getOrDefault(txn.transactionalId(), List.of());
      if (txn.verifyOnly()) {
        results.add(
            unknownPartitions(txn.transactionalId(), tps)
                .map(CompletableFuture::completedFuture)
                .orElseGet(
                    () ->
                        CompletableFuture.completedFuture(
                            AddPartitionsToTxnResponse.resultForTransaction(
                                txn.transactionalId(),
                                coordinator.verifyPartitions(
                                    txn.transactionalId(),
                                    txn.producerId(),
                                    txn.producerEpoch(),
                                    tps)))));
      } else {
        results.add(
            add(
                txn.transactionalId(),
                txn.producerId(),
                txn.producerEpoch(),
                tps,
                (short) 2,
                Function.identity()));
      }
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              AddPartitionsToTxnResultCollection collection =
                  new AddPartitionsToTxnResultCollection();
              results.forEach(r -> collection.add(r.join()));
              return new AddPartitionsToTxnResponseData().setResultsByTransaction(collection);
            });
  }

  /** Adds {@code partitions} to the transaction; every partition gets the coordinator's answer. */
  private CompletableFuture<AddPartitionsToTxnResult> add(
      String transactionalId,
      long producerId,
      short epoch,
      List<TopicPartition> partitions,
      short clientTransactionVersion,
      Function<Errors, Errors> answered) {
    return unknownPartitions(transactionalId, partitions)
        .map(CompletableFuture::completedFuture)
        .orElseGet(
            () ->
                coordinator
                    .addPartitions(
                        transactionalId, producerId, epoch, partitions, clientTransactionVersion)
                    .thenApply(
                        error -> {
                          Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
                          partitions.forEach(tp -> errors.put(tp, answered.apply(error)));
                          return AddPartitionsToTxnResponse.resultForTransaction(
                              transactionalId, errors);
                        }));
  }

  /** The failed result when any partition is of a topic this broker does not know. */
  private java.util.Optional<AddPartitionsToTxnResult> unknownPartitions(
      String transactionalId, List<TopicPartition> partitions) {
    ClusterMetadata cluster = metadata.get();
    List<TopicPartition> unknown =
        partitions.stream().filter(tp -> cluster.partition(tp).isEmpty()).toList();
    if (unknown.isEmpty()) {
      return java.util.Optional.empty();
    }
    Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
    partitions.forEach(
        tp ->
            errors.put(
                tp,
                unknown.contains(tp)
                    ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                    : Errors.OPERATION_NOT_ATTEMPTED));
    return java.util.Optional.of(
        AddPartitionsToTxnResponse.resultForTransaction(transactionalId, errors));
  }
}
