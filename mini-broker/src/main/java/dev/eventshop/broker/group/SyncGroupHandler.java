package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.SyncGroupRequest;

/**
 * SyncGroup: the leader hands in the assignment and every member receives its share. The response
 * waits until the leader's assignment is stored. v3+ carries the group instance id; v5+ the
 * protocol type and name, which must match the group's.
 */
public final class SyncGroupHandler extends VersionedApiHandler<SyncGroupRequest> {

  private final GroupCoordinator coordinator;

  public SyncGroupHandler(GroupCoordinator coordinator) {
    super(ApiKeys.SYNC_GROUP, 0, 5);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, SyncGroupRequest request) {
    SyncGroupRequestData data = request.data();
    short version = context.apiVersion();
    return coordinator
        .rebalance()
        .sync(
            data.groupId(),
            data.generationId(),
            data.memberId(),
            version >= 3 ? data.groupInstanceId() : null,
            version >= 5 ? data.protocolType() : null,
            version >= 5 ? data.protocolName() : null,
            data.assignments(),
            version)
        .thenApply(r -> r);
  }
}
