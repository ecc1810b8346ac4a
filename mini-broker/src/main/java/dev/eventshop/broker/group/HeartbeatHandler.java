package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.HeartbeatRequest;

/**
 * Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. v3+ carries
 * the group instance id.
 */
public final class HeartbeatHandler extends VersionedApiHandler<HeartbeatRequest> {

  private final GroupCoordinator coordinator;

  public HeartbeatHandler(GroupCoordinator coordinator) {
    super(ApiKeys.HEARTBEAT, 0, 4);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, HeartbeatRequest request) {
    HeartbeatRequestData data = request.data();
    var error =
        coordinator
            .rebalance()
            .heartbeat(
                data.groupId(),
                data.generationId(),
                data.memberId(),
                context.apiVersion() >= 3 ? data.groupInstanceId() : null);
    return CompletableFuture.completedFuture(
        new HeartbeatResponseData().setErrorCode(error.code()));
  }
}
