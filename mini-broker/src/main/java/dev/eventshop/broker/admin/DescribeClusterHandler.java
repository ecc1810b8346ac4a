package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;

/**
 * DescribeCluster: cluster id, controller and the live brokers (Admin.describeCluster). Versions
 * 0-1.
 */
final class DescribeClusterHandler extends VersionedApiHandler<DescribeClusterRequest> {

  private final MetadataStore metadata;

  DescribeClusterHandler(MetadataStore metadata) {
    super(ApiKeys.DESCRIBE_CLUSTER, 0, 1);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, DescribeClusterRequest request) {
    ClusterMetadata cluster = metadata.current();
    DescribeClusterResponseData response =
        new DescribeClusterResponseData()
            .setErrorCode(Errors.NONE.code())
            .setClusterId(cluster.clusterId())
            .setControllerId(cluster.controllerForClients())
            .setEndpointType(request.data().endpointType())
            .setClusterAuthorizedOperations(Integer.MIN_VALUE);
    for (Node node : cluster.liveNodes(context.listenerName())) {
      response
          .brokers()
          .add(
              new DescribeClusterBroker()
                  .setBrokerId(node.id())
                  .setHost(node.host())
                  .setPort(node.port()));
    }
    return CompletableFuture.completedFuture(response);
  }
}
