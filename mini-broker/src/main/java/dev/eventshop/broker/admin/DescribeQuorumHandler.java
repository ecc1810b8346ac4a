package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.QuorumDescription;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Listener;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ListenerCollection;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Node;
import org.apache.kafka.common.message.DescribeQuorumResponseData.NodeCollection;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ReplicaState;
import org.apache.kafka.common.message.DescribeQuorumResponseData.TopicData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeQuorumRequest;

/**
 * DescribeQuorum: the metadata quorum's leader, epoch, high watermark, voters and observers, as
 * Kafka's {@code kafka-metadata-quorum.sh describe} and Admin.describeMetadataQuorum show them. A
 * Kafka broker forwards this request to the active controller; here every broker asks the Raft
 * leader. Served in cluster mode only (a single node has no quorum). Versions 0-2.
 */
final class DescribeQuorumHandler extends VersionedApiHandler<DescribeQuorumRequest> {

  /** The name Kafka gives the metadata log, the one partition DescribeQuorum describes. */
  static final String METADATA_TOPIC = "__cluster_metadata";

  private final Supplier<CompletableFuture<QuorumDescription>> quorum;
  private final Map<Integer, InetSocketAddress> voters;
  private final String controllerListener;

  /**
   * @param voters each voter's Raft address, shown as its controller listener
   * @param controllerListener the name that listener has ({@code controller.listener.names})
   */
  DescribeQuorumHandler(
      Supplier<CompletableFuture<QuorumDescription>> quorum,
      Map<Integer, InetSocketAddress> voters,
      String controllerListener) {
    super(ApiKeys.DESCRIBE_QUORUM, 0, 2);
    this.quorum = quorum;
    this.voters = voters;
    this.controllerListener = controllerListener;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, DescribeQuorumRequest request) {
    DescribeQuorumRequestData data = request.data();
    if (!asksForTheMetadataLog(data)) {
      return CompletableFuture.completedFuture(
          DescribeQuorumRequest.getPartitionLevelErrorResponse(
              data, Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }
    return quorum
        .get()
        .handle(
            (description, error) -> {
              if (error != null) {
                Throwable cause = Errors.maybeUnwrapException(error);
                return DescribeQuorumRequest.getTopLevelErrorResponse(Errors.forException(cause))
                    .setErrorMessage(cause.getMessage());
              }
              return response(description, request.version());
            });
  }

  private static boolean asksForTheMetadataLog(DescribeQuorumRequestData data) {
    return data.topics().size() == 1
        && data.topics().get(0).topicName().equals(METADATA_TOPIC)
        && data.topics().get(0).partitions().size() == 1
        && data.topics().get(0).partitions().get(0).partitionIndex() == 0;
  }

  private ApiMessage response(QuorumDescription description, short version) {
    PartitionData partition =
        new PartitionData()
            .setPartitionIndex(0)
            .setErrorCode(Errors.NONE.code())
            .setLeaderId(description.leaderId())
            .setLeaderEpoch(description.leaderEpoch())
            .setHighWatermark(description.highWatermark())
            .setCurrentVoters(replicaStates(description.voters()))
            .setObservers(replicaStates(description.observers()));
    DescribeQuorumResponseData response =
        new DescribeQuorumResponseData()
            .setErrorCode(Errors.NONE.code())
            .setTopics(
                List.of(
                    new TopicData()
                        .setTopicName(METADATA_TOPIC)
                        .setPartitions(List.of(partition))));
    if (version >= 2) { // the voters' endpoints; earlier versions have no field for them
      NodeCollection nodes = new NodeCollection();
      voters.forEach(
          (id, address) -> {
            ListenerCollection listeners = new ListenerCollection();
            listeners.add(
                new Listener()
                    .setName(controllerListener)
                    .setHost(address.getHostString())
                    .setPort(address.getPort()));
            nodes.add(new Node().setNodeId(id).setListeners(listeners));
          });
      response.setNodes(nodes);
    }
    return response;
  }

  private static List<ReplicaState> replicaStates(List<QuorumDescription.Replica> replicas) {
    return replicas.stream()
        .map(
            r ->
                new ReplicaState()
                    .setReplicaId(r.id())
                    .setLogEndOffset(r.logEndOffset())
                    .setLastFetchTimestamp(r.lastFetchTimestamp())
                    .setLastCaughtUpTimestamp(r.lastCaughtUpTimestamp()))
        .toList();
  }
}
