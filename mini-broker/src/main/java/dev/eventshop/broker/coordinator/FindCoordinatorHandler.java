package dev.eventshop.broker.coordinator;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator: which broker coordinates a group or a transactional id. The coordinator of a key
 * is the leader of the partition of its coordinator topic the key hashes to ({@code
 * __consumer_offsets} for groups, {@code __transaction_state} for transactional ids); the topic is
 * created on first use. Versions 0-3 ask for one key; from v4 a batch of keys. Share groups are not
 * served: their keys get INVALID_REQUEST with a message that says so.
 */
public final class FindCoordinatorHandler extends VersionedApiHandler<FindCoordinatorRequest> {

  /** Where the coordinators of one key type live. */
  public interface Locator {
    /** What a key of this type is called in messages ("group", "transactional id"). */
    String keyName();

    /** The partition of the coordinator topic that {@code key} hashes to. */
    int partitionFor(String key);

    /**
     * The leader of {@code partition} as reached through listener {@code listenerName} (creating
     * the topic first if needed); empty when it has no live leader with that listener.
     */
    Optional<Node> leaderOf(int partition, String listenerName);

    static Locator of(
        String keyName,
        ToIntFunction<String> partitionFor,
        java.util.function.BiFunction<Integer, String, Optional<Node>> leaderOf) {
      return new Locator() {
        @Override
        public String keyName() {
          return keyName;
        }

        @Override
        public int partitionFor(String key) {
          return partitionFor.applyAsInt(key);
        }

        @Override
        public Optional<Node> leaderOf(int partition, String listenerName) {
          return leaderOf.apply(partition, listenerName);
        }
      };
    }
  }

  private final Map<Byte, Locator> locators;

  /**
   * @param groups the group coordinators
   * @param transactions the transaction coordinators
   */
  public FindCoordinatorHandler(Locator groups, Locator transactions) {
    super(ApiKeys.FIND_COORDINATOR, 0, 6);
    this.locators =
        Map.of(CoordinatorType.GROUP.id(), groups, CoordinatorType.TRANSACTION.id(), transactions);
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
    Locator locator = locators.get(keyType);
    if (locator == null) {
      return c.setErrorCode(Errors.INVALID_REQUEST.code())
          .setErrorMessage("unsupported coordinator key type " + keyType);
    }
    if (key == null || (key.isEmpty() && keyType == CoordinatorType.TRANSACTION.id())) {
      return c.setErrorCode(Errors.INVALID_REQUEST.code())
          .setErrorMessage("no " + locator.keyName());
    }
    Optional<Node> node;
    try {
      node = locator.leaderOf(locator.partitionFor(key), listenerName);
    } catch (RuntimeException e) {
      // The coordinator topic could not be created or looked up yet: the client retries.
      node = Optional.empty();
    }
    if (node.isEmpty()) {
      return c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
          .setErrorMessage(
              "the coordinator for " + locator.keyName() + " " + key + " is not available");
    }
    return c.setErrorCode(Errors.NONE.code())
        .setNodeId(node.get().id())
        .setHost(node.get().host())
        .setPort(node.get().port());
  }
}
