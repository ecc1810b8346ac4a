package dev.eventshop.broker.protocol;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.producer.ProducerStateManager.ProducerSummary;
import dev.eventshop.broker.replication.Replicas;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeProducersRequest;

/**
 * DescribeProducers ({@code kafka-transactions.sh describe-producers}, {@code
 * Admin.describeProducers}): the idempotent and transactional producers a replica of a partition
 * knows (the leader, or with {@code --broker-id} any replica), each with its epoch and the sequence
 * number and timestamp of its last batch (the state that lets the leader recognise a retried
 * batch), the epoch of the last transaction coordinator that wrote a marker, and where its open
 * transaction began (-1 for none), which {@code kafka-transactions.sh find-hanging} reads. A
 * producer idle for {@code producer.id.expiration.ms} without an open transaction is forgotten and
 * no longer listed. Version 0.
 */
public final class DescribeProducersHandler extends VersionedApiHandler<DescribeProducersRequest> {

  private final LeaderLookup replicas;

  public DescribeProducersHandler(Replicas replicas, Supplier<ClusterMetadata> metadata) {
    super(ApiKeys.DESCRIBE_PRODUCERS, 0, 0);
    this.replicas = new LeaderLookup(replicas, metadata);
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, DescribeProducersRequest request) {
    DescribeProducersResponseData response = new DescribeProducersResponseData();
    for (TopicRequest topic : request.data().topics()) {
      TopicResponse topicResponse = new TopicResponse().setName(topic.name());
      response.topics().add(topicResponse);
      for (int partition : topic.partitionIndexes()) {
        topicResponse.partitions().add(describe(new TopicPartition(topic.name(), partition)));
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  private PartitionResponse describe(TopicPartition tp) {
    PartitionResponse response = new PartitionResponse().setPartitionIndex(tp.partition());
    LeaderLookup.Result replica = replicas.replicaFor(tp);
    if (replica.error() != Errors.NONE) {
      return response.setErrorCode(replica.error().code());
    }
    for (ProducerSummary producer : replica.partition().log().producers()) {
      response
          .activeProducers()
          .add(
              new ProducerState()
                  .setProducerId(producer.producerId())
                  .setProducerEpoch(producer.epoch())
                  .setLastSequence(producer.lastSequence())
                  .setLastTimestamp(producer.lastTimestamp())
                  .setCoordinatorEpoch(producer.coordinatorEpoch())
                  .setCurrentTxnStartOffset(producer.currentTxnStartOffset()));
    }
    return response.setErrorCode(Errors.NONE.code());
  }
}
