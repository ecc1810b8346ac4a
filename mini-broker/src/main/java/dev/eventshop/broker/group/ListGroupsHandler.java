package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ListGroupsRequest;

/**
 * ListGroups: the groups this broker coordinates. v4+ filters by state and reports it; v5+ filters
 * by type and reports it (always "classic" here).
 */
public final class ListGroupsHandler extends VersionedApiHandler<ListGroupsRequest> {

  private final GroupCoordinator coordinator;

  public ListGroupsHandler(GroupCoordinator coordinator) {
    super(ApiKeys.LIST_GROUPS, 0, 5);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, ListGroupsRequest request) {
    short version = context.apiVersion();
    ListGroupsResponseData response =
        coordinator.listGroups(
            version >= 4 ? request.data().statesFilter() : List.of(),
            version >= 5 ? request.data().typesFilter() : List.of());
    // Fields newer than the request's version go back to their defaults.
    for (ListGroupsResponseData.ListedGroup g : response.groups()) {
      if (version < 4) {
        g.setGroupState("");
      }
      if (version < 5) {
        g.setGroupType("");
      }
    }
    return CompletableFuture.completedFuture(response);
  }
}
