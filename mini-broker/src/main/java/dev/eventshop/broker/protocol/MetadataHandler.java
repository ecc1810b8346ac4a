package dev.eventshop.broker.protocol;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.TopicAutoCreation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;

/**
 * Metadata: the brokers, and for each requested topic its id and partitions with leader, leader
 * epoch, replicas and ISR. Unknown topics are created when {@code auto.create.topics.enable} and
 * the client allow it. Versions 0-12.
 */
public final class MetadataHandler extends VersionedApiHandler<MetadataRequest> {

  private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

  private final java.util.function.Supplier<ClusterMetadata> metadata;
  private final TopicAutoCreation autoCreation;

  public MetadataHandler(
      java.util.function.Supplier<ClusterMetadata> metadata, TopicAutoCreation autoCreation) {
    super(ApiKeys.METADATA, 0, 12);
    this.metadata = metadata;
    this.autoCreation = autoCreation;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, MetadataRequest request) {
    short version = context.apiVersion();
    ClusterMetadata cluster = metadata.get(); // one snapshot for the whole answer
    List<MetadataResponseTopic> topics = new ArrayList<>();
    List<MetadataRequestTopic> requested = request.data().topics();
    boolean all = requested == null || (version == 0 && requested.isEmpty());
    if (all) {
      for (TopicInfo topic : new java.util.TreeMap<>(cluster.topics()).values()) {
        topics.add(describe(topic, cluster, context));
      }
    } else {
      boolean mayCreate = version < 4 || request.data().allowAutoTopicCreation();
      for (MetadataRequestTopic wanted : requested) {
        topics.add(lookup(cluster, wanted, mayCreate, context));
      }
      cluster = metadata.get();
    }
    MetadataResponseData response =
        new MetadataResponseData()
            .setClusterId(cluster.clusterId())
            .setControllerId(cluster.controllerForClients())
            .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    for (Node node : cluster.liveNodes(context.listenerName())) {
      response
          .brokers()
          .add(
              new MetadataResponseBroker()
                  .setNodeId(node.id())
                  .setHost(node.host())
                  .setPort(node.port()));
    }
    response.topics().addAll(topics);
    return CompletableFuture.completedFuture(response);
  }

  private MetadataResponseTopic lookup(
      ClusterMetadata cluster,
      MetadataRequestTopic wanted,
      boolean mayCreate,
      RequestContext context) {
    if (wanted.name() == null) {
      Uuid id = wanted.topicId();
      return cluster
          .topicById(id)
          .map(t -> describe(t, cluster, context))
          .orElseGet(() -> error(null, id, Errors.UNKNOWN_TOPIC_ID));
    }
    String name = wanted.name();
    TopicInfo topic = cluster.topics().get(name);
    if (topic != null) {
      return describe(topic, cluster, context);
    }
    if (!mayCreate || !autoCreation.enabled()) {
      return error(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }
    try {
      TopicInfo created = autoCreation.create(name);
      return describe(created, metadata.get(), context);
    } catch (InvalidTopicException e) {
      return error(name, Uuid.ZERO_UUID, Errors.INVALID_TOPIC_EXCEPTION);
    } catch (RuntimeException e) {
      return error(name, Uuid.ZERO_UUID, Errors.forException(e));
    }
  }

  private static MetadataResponseTopic error(String name, Uuid id, Errors error) {
    return new MetadataResponseTopic()
        .setName(name)
        .setTopicId(id)
        .setErrorCode(error.code())
        .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
  }

  /**
   * A topic as the client's listener sees it: a partition whose leader has no endpoint on that
   * listener has no usable leader (LISTENER_NOT_FOUND from v6, LEADER_NOT_AVAILABLE before), as in
   * Kafka; it only happens when brokers are configured with different listener names.
   */
  private static MetadataResponseTopic describe(
      TopicInfo topic, ClusterMetadata cluster, RequestContext context) {
    MetadataResponseTopic result =
        new MetadataResponseTopic()
            .setName(topic.name())
            .setTopicId(topic.id())
            .setIsInternal(topic.isInternal())
            .setErrorCode(Errors.NONE.code())
            .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    for (PartitionInfo p : topic.partitions()) {
      List<Integer> offline = new ArrayList<>();
      int leader = p.leader();
      ClusterMetadata.BrokerInfo broker = cluster.brokers().get(leader);
      Errors error = Errors.NONE;
      if (broker == null || broker.fenced()) {
        error = Errors.LEADER_NOT_AVAILABLE;
      } else if (broker.endpoint(context.listenerName()).isEmpty()) {
        error = context.apiVersion() >= 6 ? Errors.LISTENER_NOT_FOUND : Errors.LEADER_NOT_AVAILABLE;
      }
      if (error != Errors.NONE) {
        leader = -1;
      }
      result
          .partitions()
          .add(
              new MetadataResponsePartition()
                  .setPartitionIndex(p.partition())
                  .setErrorCode(error.code())
                  .setLeaderId(leader)
                  .setLeaderEpoch(p.leaderEpoch())
                  .setReplicaNodes(new ArrayList<>(p.replicas()))
                  .setIsrNodes(new ArrayList<>(p.isr()))
                  .setOfflineReplicas(offline));
    }
    return result;
  }
}
