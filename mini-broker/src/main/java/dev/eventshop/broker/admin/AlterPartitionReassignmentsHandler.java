package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterPartitionReassignments ({@code kafka-reassign-partitions.sh --execute} and {@code --cancel},
 * {@code Admin.alterPartitionReassignments}): moves each partition to the replicas asked for, or
 * cancels its reassignment in progress when the replicas are null. The answer comes once the
 * metadata quorum has accepted the change; the data moves afterwards, as new replicas catch up
 * (metadata/Reassignments). Any broker takes the request. Versions 0-1 (v1: may the replication
 * factor change, KIP-860).
 */
public final class AlterPartitionReassignmentsHandler
    extends VersionedApiHandler<AlterPartitionReassignmentsRequest> {

  private final MetadataStore metadata;

  public AlterPartitionReassignmentsHandler(MetadataStore metadata) {
    super(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0, 1);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, AlterPartitionReassignmentsRequest request) {
    boolean allowReplicationFactorChange = request.data().allowReplicationFactorChange();
    Map<TopicPartition, Optional<List<Integer>>> targets = new LinkedHashMap<>();
    for (ReassignableTopic topic : request.data().topics()) {
      for (ReassignablePartition p : topic.partitions()) {
        targets.put(
            new TopicPartition(topic.name(), p.partitionIndex()),
            Optional.ofNullable(p.replicas()).map(List::copyOf));
      }
    }
    Map<TopicPartition, ApiError> outcome;
    try {
      outcome = metadata.alterPartitionReassignments(targets, allowReplicationFactorChange);
    } catch (RuntimeException e) {
      ApiError error = ApiError.fromThrowable(e);
      outcome = new LinkedHashMap<>();
      for (TopicPartition tp : targets.keySet()) {
        outcome.put(tp, error);
      }
    }
    AlterPartitionReassignmentsResponseData response =
        new AlterPartitionReassignmentsResponseData()
            .setAllowReplicationFactorChange(allowReplicationFactorChange);
    Map<String, ReassignableTopicResponse> byTopic = new LinkedHashMap<>();
    outcome.forEach(
        (tp, error) ->
            byTopic
                .computeIfAbsent(
                    tp.topic(),
                    name -> {
                      ReassignableTopicResponse t = new ReassignableTopicResponse().setName(name);
                      response.responses().add(t);
                      return t;
                    })
                .partitions()
                .add(
                    new ReassignablePartitionResponse()
                        .setPartitionIndex(tp.partition())
                        .setErrorCode(error.error().code())
                        .setErrorMessage(error.message())));
    return CompletableFuture.completedFuture(response);
  }
}
