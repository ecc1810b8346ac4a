package dev.eventshop.broker.transaction;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

/**
 * AddPartitionsToTxn from a transactional producer, before its first write to a partition in a
 * transaction. Versions 0-3, one transaction per request; v4+ (several transactions, and brokers
 * verifying partitions) belongs to transaction version 2, which this broker does not enable. A
 * partition of an unknown topic fails the request: it gets UNKNOWN_TOPIC_OR_PARTITION, the others
 * OPERATION_NOT_ATTEMPTED, as in Kafka.
 */
public final class AddPartitionsToTxnHandler
    extends VersionedApiHandler<AddPartitionsToTxnRequest> {

  private final TransactionCoordinator coordinator;
  private final Supplier<ClusterMetadata> metadata;

  public AddPartitionsToTxnHandler(
      TransactionCoordinator coordinator, Supplier<ClusterMetadata> metadata) {
    super(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 3);
    this.coordinator = coordinator;
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, AddPartitionsToTxnRequest request) {
    var data = request.data();
    List<TopicPartition> partitions =
        AddPartitionsToTxnRequest.getPartitions(data.v3AndBelowTopics());
    ClusterMetadata cluster = metadata.get();
    List<TopicPartition> unknown =
        partitions.stream().filter(tp -> cluster.partition(tp).isEmpty()).toList();
    if (!unknown.isEmpty()) {
      Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
      partitions.forEach(
          tp ->
              errors.put(
                  tp,
                  unknown.contains(tp)
                      ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                      : Errors.OPERATION_NOT_ATTEMPTED));
      return CompletableFuture.completedFuture(response(errors));
    }
    return coordinator
        .addPartitions(
            data.v3AndBelowTransactionalId(),
            data.v3AndBelowProducerId(),
            data.v3AndBelowProducerEpoch(),
            partitions)
        .thenApply(
            error -> {
              Errors answered = TransactionApis.forVersion(error, context.apiVersion(), (short) 2);
              Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
              partitions.forEach(tp -> errors.put(tp, answered));
              return response(errors);
            });
  }

  private static ApiMessage response(Map<TopicPartition, Errors> errors) {
    return new AddPartitionsToTxnResponseData()
        .setResultsByTopicV3AndBelow(
            AddPartitionsToTxnResponse.resultForTransaction(
                    AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID, errors)
                .topicResults());
  }
}
