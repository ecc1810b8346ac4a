package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.DeleteGroupsRequest;

/**
 * DeleteGroups: removes empty groups and their offsets, committed or pending in open transactions
 * (NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups). Answered once the
 * tombstones are committed.
 */
public final class DeleteGroupsHandler extends VersionedApiHandler<DeleteGroupsRequest> {

  private final GroupCoordinator coordinator;

  public DeleteGroupsHandler(GroupCoordinator coordinator) {
    super(ApiKeys.DELETE_GROUPS, 0, 2);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, DeleteGroupsRequest request) {
    return coordinator
        .deleteGroups(request.data().groupsNames())
        .thenApply(
            results ->
                new DeleteGroupsResponseData()
                    .setResults(new DeletableGroupResultCollection(results.iterator())));
  }
}
