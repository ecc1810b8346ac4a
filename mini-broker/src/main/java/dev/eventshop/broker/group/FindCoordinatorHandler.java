package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator: which broker coordinates a group. The coordinator of group {@code g} is the
 * leader of {@code __consumer_offsets} partition {@code abs(g.hashCode()) % partitions}. Versions
 * 0-3 ask for one key; from v4 a batch of keys. Only group keys are served: this broker has no
 * transaction coordinator and no share groups, so TRANSACTION and SHARE keys get INVALID_REQUEST,
 * with a message that says so.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {

  /** Finds the broker leading a {@code __consumer_offsets} partition. */
  @FunctionalInterface
  public interface OffsetsPartitionLeader {
    /**
     * The leader of {@code partition} as reached through listener {@code listenerName} (the broker
     * creates the topic on first use); empty when it has no live leader with that listener.
     */
    Optional<Node> leaderOf(int partition, String listenerName);
  }

  private final GroupCoordinator coordinator;
  private final OffsetsPartitionLeader leaderOfOffsetsPartition;

  public FindCoordinatorHandler(
      GroupCoordinator coordinator, OffsetsPartitionLeader leaderOfOffsetsPartition) {
    this.coordinator = coordinator;
    this.leaderOfOffsetsPartition = leaderOfOffsetsPartition;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.FIND_COORDINATOR;
  }

  @Override
  public short minVersion() {
    return 0;
  }

  @Override
  public short maxVersion() {
    return 6;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, FindCoordinatorRequest request) {
    short version = context.apiVersion();
    byte keyType = version >= 1 ? request.data().keyType() : CoordinatorType.GROUP.id();
    FindCoordinatorResponseData response = new FindCoordinatorResponseData();
    if (version < 4) {
      Coordinator c = find(keyType, request.data().key(), context.listenerName());
      response
          .setErrorCode(c.errorCode())
          .setErrorMessage(c.errorMessage())
          .setNodeId(c.nodeId())
          .setHost(c.host())
          .setPort(c.port());
    } else {
      List<Coordinator> coordinators = new ArrayList<>();
      for (String key : request.data().coordinatorKeys()) {
        coordinators.add(find(keyType, key, context.listenerName()));
      }
      response.setCoordinators(coordinators);
    }
    return CompletableFuture.completedFuture(response);
  }

  private Coordinator find(byte keyType, String key, String listenerName) {
    Coordinator c = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
    if (keyType == CoordinatorType.TRANSACTION.id()) {
      // Not COORDINATOR_NOT_AVAILABLE: clients retry that until max.block.ms (a minute) runs out.
      // A request error is final, and the Java client shows this message in its exception.
      return c.setErrorCode(Errors.INVALID_REQUEST.code())
          .setErrorMessage(
              "mini-broker does not support transactions (transactional.id '"
                  + key
                  + "'): use an idempotent producer without a transactional.id");
    }
    if (keyType != CoordinatorType.GROUP.id()) {
      return c.setErrorCode(Errors.INVALID_REQUEST.code())
          .setErrorMessage("unsupported coordinator key type " + keyType);
    }
    if (key == null) {
      return c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("no group id");
    }
    Optional<Node> node;
    try {
      node = leaderOfOffsetsPartition.leaderOf(coordinator.partitionFor(key), listenerName);
    } catch (RuntimeException e) {
      // __consumer_offsets could not be created or looked up yet: the client retries.
      node = Optional.empty();
    }
    if (node.isEmpty()) {
      return c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
          .setErrorMessage("the coordinator for group " + key + " is not available");
    }
    return c.setErrorCode(Errors.NONE.code())
        .setNodeId(node.get().id())
        .setHost(node.get().host())
        .setPort(node.get().port());
  }
}
