package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;

/**
 * ConsumerGroupDescribe (KIP-848): consumer groups with their epochs, assignor, and each member's
 * subscription, current and target assignment, as {@code kafka-consumer-groups.sh --describe} shows
 * them. A classic group is GROUP_ID_NOT_FOUND here (the admin client then asks DescribeGroups). v1
 * adds each member's type (KIP-1099). While the cluster's {@code group.version} is 0 every group is
 * UNSUPPORTED_VERSION, as in Kafka.
 */
public final class ConsumerGroupDescribeHandler
    extends VersionedApiHandler<ConsumerGroupDescribeRequest> {

  private final GroupCoordinator coordinator;
  private final BooleanSupplier enabled;

  public ConsumerGroupDescribeHandler(GroupCoordinator coordinator, BooleanSupplier enabled) {
    super(ApiKeys.CONSUMER_GROUP_DESCRIBE, 0, 1);
    this.coordinator = coordinator;
    this.enabled = enabled;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, ConsumerGroupDescribeRequest request) {
    ConsumerGroupDescribeResponseData response = new ConsumerGroupDescribeResponseData();
    for (String groupId : request.data().groupIds()) {
      if (!enabled.getAsBoolean()) {
        response
            .groups()
            .add(
                new ConsumerGroupDescribeResponseData.DescribedGroup()
                    .setGroupId(groupId)
                    .setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        continue;
      }
      response
          .groups()
          .add(
              coordinator.describeConsumerGroup(
                  groupId, context.apiVersion(), request.data().includeAuthorizedOperations()));
    }
    return CompletableFuture.completedFuture(response);
  }
}
