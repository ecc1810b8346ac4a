package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.DescribeGroupsRequest;

/**
 * DescribeGroups: state, protocol and members of each group; member metadata and assignments only
 * while Stable. v3+ may ask for authorized operations; v4+ shows group instance ids; v6+ answers
 * GROUP_ID_NOT_FOUND for an unknown group (older versions show it as Dead).
 */
public final class DescribeGroupsHandler extends VersionedApiHandler<DescribeGroupsRequest> {

  private final GroupCoordinator coordinator;

  public DescribeGroupsHandler(GroupCoordinator coordinator) {
    super(ApiKeys.DESCRIBE_GROUPS, 0, 6);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, DescribeGroupsRequest request) {
    short version = context.apiVersion();
    boolean operations = version >= 3 && request.data().includeAuthorizedOperations();
    DescribeGroupsResponseData response = new DescribeGroupsResponseData();
    for (String groupId : request.data().groups()) {
      response.groups().add(coordinator.describeGroup(groupId, version, operations));
    }
    return CompletableFuture.completedFuture(response);
  }
}
