package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.OffsetDeleteRequest;

/**
 * OffsetDelete: removes a group's committed offsets for partitions it no longer consumes
 * (GROUP_SUBSCRIBED_TO_TOPIC for topics a member still subscribes to), and offsets that open
 * transactions wrote for them.
 */
public final class OffsetDeleteHandler extends VersionedApiHandler<OffsetDeleteRequest> {

  private final GroupCoordinator coordinator;

  public OffsetDeleteHandler(GroupCoordinator coordinator) {
    super(ApiKeys.OFFSET_DELETE, 0, 0);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, OffsetDeleteRequest request) {
    return coordinator.offsets().delete(request.data()).thenApply(r -> r);
  }
}
