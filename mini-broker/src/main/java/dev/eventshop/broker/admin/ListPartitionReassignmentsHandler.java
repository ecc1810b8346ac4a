package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;

/**
 * ListPartitionReassignments ({@code kafka-reassign-partitions.sh --list} and {@code --verify},
 * {@code Admin.listPartitionReassignments}): the partitions being reassigned, with all their
 * replicas and those being added and removed; all of them when no topics are named. Partitions that
 * do not exist or are not being reassigned are left out, as Kafka does. Version 0.
 */
public final class ListPartitionReassignmentsHandler
    extends VersionedApiHandler<ListPartitionReassignmentsRequest> {

  private final MetadataStore metadata;

  public ListPartitionReassignmentsHandler(MetadataStore metadata) {
    super(ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, 0);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, ListPartitionReassignmentsRequest request) {
    ClusterMetadata state = metadata.current();
    ListPartitionReassignmentsResponseData response = new ListPartitionReassignmentsResponseData();
    List<ListPartitionReassignmentsTopics> asked = request.data().topics();
    if (asked == null) {
      for (TopicInfo topic : state.topics().values()) {
        add(response, topic, topic.partitions());
      }
    } else {
      for (ListPartitionReassignmentsTopics t : asked) {
        state
            .topic(t.name())
            .ifPresent(
                topic ->
                    add(
                        response,
                        topic,
                        t.partitionIndexes().stream()
                            .filter(i -> i >= 0 && i < topic.partitions().size())
                            .map(i -> topic.partitions().get(i))
                            .toList()));
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  private static void add(
      ListPartitionReassignmentsResponseData response,
      TopicInfo topic,
      List<PartitionInfo> partitions) {
    List<OngoingPartitionReassignment> ongoing =
        partitions.stream()
            .filter(PartitionInfo::isReassigning)
            .map(
                p ->
                    new OngoingPartitionReassignment()
                        .setPartitionIndex(p.partition())
                        .setReplicas(p.replicas())
                        .setAddingReplicas(p.addingReplicas())
                        .setRemovingReplicas(p.removingReplicas()))
            .toList();
    if (!ongoing.isEmpty()) {
      response
          .topics()
          .add(
              new OngoingTopicReassignment()
                  .setName(topic.name())
                  .setPartitions(new ArrayList<>(ongoing)));
    }
  }
}
