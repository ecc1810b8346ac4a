package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.ElectLeadersRequest;

/**
 * ElectLeaders ({@code kafka-leader-election.sh}, {@code Admin.electLeaders}): a preferred election
 * gives each partition back to its first assigned replica when that one is alive and in sync; an
 * unclean one gives a leaderless partition any live replica, accepting that records only the lost
 * replicas had are gone. No topics in the request means every partition. Any broker takes the
 * request and passes it to the metadata quorum. Versions 0-2 (v0 is always preferred).
 */
public final class ElectLeadersHandler extends VersionedApiHandler<ElectLeadersRequest> {

  private final MetadataStore metadata;

  public ElectLeadersHandler(MetadataStore metadata) {
    super(ApiKeys.ELECT_LEADERS, 0, 2);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, ElectLeadersRequest request) {
    boolean unclean =
        context.apiVersion() >= 1 && request.data().electionType() == ElectionType.UNCLEAN.value;
    List<TopicPartition> partitions = partitionsOf(request, metadata.current());
    ElectLeadersResponseData response =
        new ElectLeadersResponseData().setErrorCode(Errors.NONE.code());
    Map<TopicPartition, Errors> outcome;
    try {
      outcome = metadata.electLeaders(unclean, partitions);
    } catch (RuntimeException e) {
      ApiError error = ApiError.fromThrowable(e);
      outcome = new LinkedHashMap<>();
      for (TopicPartition tp : partitions) {
        outcome.put(tp, error.error());
      }
    }
    if (request.data().topicPartitions() == null) {
      // Asked for every partition: like Kafka, report only those an election concerned.
      outcome.values().removeIf(error -> error == Errors.ELECTION_NOT_NEEDED);
    }
    Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
    outcome.forEach(
        (tp, error) ->
            byTopic
                .computeIfAbsent(
                    tp.topic(),
                    t -> {
                      ReplicaElectionResult r = new ReplicaElectionResult().setTopic(t);
                      response.replicaElectionResults().add(r);
                      return r;
                    })
                .partitionResult()
                .add(
                    new PartitionResult()
                        .setPartitionId(tp.partition())
                        .setErrorCode(error.code())
                        .setErrorMessage(error == Errors.NONE ? null : error.message())));
    return CompletableFuture.completedFuture(response);
  }

  private static List<TopicPartition> partitionsOf(
      ElectLeadersRequest request, ClusterMetadata metadata) {
    List<TopicPartition> partitions = new ArrayList<>();
    if (request.data().topicPartitions() == null) {
      metadata
          .topics()
          .values()
          .forEach(
              topic ->
                  topic
                      .partitions()
                      .forEach(
                          p -> partitions.add(new TopicPartition(topic.name(), p.partition()))));
    } else {
      for (TopicPartitions topic : request.data().topicPartitions()) {
        topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.topic(), p)));
      }
    }
    return partitions;
  }
}
