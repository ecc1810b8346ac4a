package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;

/**
 * ConsumerGroupHeartbeat (KIP-848): a member of a consumer group joins (epoch 0), heartbeats with
 * the partitions it owns, or leaves (epoch -1 or -2), and learns its epoch and assignment. v1
 * requires the member to name its own member id (KIP-1082) and adds regular expression
 * subscriptions. See {@link ConsumerRebalance}.
 */
public final class ConsumerGroupHeartbeatHandler
    extends VersionedApiHandler<ConsumerGroupHeartbeatRequest> {

  private final GroupCoordinator coordinator;

  public ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator) {
    super(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 0, 1);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, ConsumerGroupHeartbeatRequest request) {
    return coordinator
        .consumerRebalance()
        .heartbeat(
            request.data(),
            context.apiVersion(),
            context.clientId(),
            GroupCoordinator.clientHost(context.clientAddress()))
        .thenApply(response -> response);
  }
}
