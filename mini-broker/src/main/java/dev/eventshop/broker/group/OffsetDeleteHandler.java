package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.RequestContext;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.OffsetDeleteRequest;

/**
 * OffsetDelete: removes a group's committed offsets for partitions it no longer consumes
 * (GROUP_SUBSCRIBED_TO_TOPIC for topics a member still subscribes to), and offsets that open
 * transactions wrote for them.
 */
public final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequest> {

  private final GroupCoordinator coordinator;

  public OffsetDeleteHandler(GroupCoordinator coordinator) {
    this.coordinator = coordinator;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.OFFSET_DELETE;
  }

  @Override
  public short minVersion() {
    return 0;
  }

  @Override
  public short maxVersion() {
    return 0;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, OffsetDeleteRequest request) {
    return coordinator.offsets().delete(request.data()).thenApply(r -> r);
  }
}
