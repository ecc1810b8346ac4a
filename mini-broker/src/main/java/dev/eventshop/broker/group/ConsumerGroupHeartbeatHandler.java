package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest;

/**
 * ConsumerGroupHeartbeat (KIP-848): a member of a consumer group joins (epoch 0), heartbeats with
 * the partitions it owns, or leaves (epoch -1 or -2), and learns its epoch and assignment. v1
 * requires the member to name its own member id (KIP-1082) and adds regular expression
 * subscriptions. See {@link ConsumerRebalance}. While the cluster's {@code group.version} is 0 the
 * protocol is off and every request gets UNSUPPORTED_VERSION, as in Kafka.
 */
public final class ConsumerGroupHeartbeatHandler
    extends VersionedApiHandler<ConsumerGroupHeartbeatRequest> {

  private final GroupCoordinator coordinator;
  private final BooleanSupplier enabled;

  public ConsumerGroupHeartbeatHandler(GroupCoordinator coordinator, BooleanSupplier enabled) {
    super(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 0, 1);
    this.coordinator = coordinator;
    this.enabled = enabled;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, ConsumerGroupHeartbeatRequest request) {
    if (!enabled.getAsBoolean()) {
      return CompletableFuture.completedFuture(
          new ConsumerGroupHeartbeatResponseData().setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
    }
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
