package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import dev.eventshop.broker.quota.ReplicationThrottles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

/**
 * IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on a topic's overrides (what
 * Admin.incrementalAlterConfigs and kafka-configs use). All operations on a resource apply together
 * or not at all. Broker configs are static (server.properties), except the replication throttle
 * rates, which are dynamic as in Kafka ({@code kafka-reassign-partitions.sh --throttle} sets them
 * on each broker of a move and deletes them at {@code --verify}; see quota/ReplicationThrottles):
 * they are set and deleted per broker id or for the cluster-wide default (""). Deleting any other
 * broker config succeeds, since there never is a dynamic value; setting one is refused. Versions
 * 0-1.
 */
final class IncrementalAlterConfigsHandler
    extends VersionedApiHandler<IncrementalAlterConfigsRequest> {

  /** The broker configs that are dynamic: the replication throttle rates. */
  static final Set<String> DYNAMIC_BROKER_CONFIGS =
      Set.of(ReplicationThrottles.LEADER_RATE, ReplicationThrottles.FOLLOWER_RATE);

  private final TopicConfigs topicConfigs;
  private final MetadataStore metadata;
  private final int nodeId;

  IncrementalAlterConfigsHandler(TopicConfigs topicConfigs, MetadataStore metadata, int nodeId) {
    super(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1);
    this.topicConfigs = topicConfigs;
    this.metadata = metadata;
    this.nodeId = nodeId;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, IncrementalAlterConfigsRequest request) {
    IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
    for (AlterConfigsResource resource : request.data().resources()) {
      AlterConfigsResourceResponse result =
          new AlterConfigsResourceResponse()
              .setResourceType(resource.resourceType())
              .setResourceName(resource.resourceName());
      response.responses().add(result);
      ApiError outcome =
          resource.resourceType() == ConfigResource.Type.BROKER.id()
              ? alterBroker(resource, request.data().validateOnly())
              : topicConfigs.alter(
                  resource.resourceType(),
                  resource.resourceName(),
                  overrides -> {
                    for (AlterableConfig c : resource.configs()) {
                      apply(overrides, c);
                    }
                    return overrides;
                  },
                  request.data().validateOnly());
      result
          .setErrorCode(outcome.error().code())
          .setErrorMessage(outcome.isSuccess() ? null : outcome.message());
    }
    return CompletableFuture.completedFuture(response);
  }

  /**
   * Sets or deletes the dynamic configs of this broker (or of the default, ""); deleting a static
   * config changes nothing; the rest is refused.
   */
  private ApiError alterBroker(AlterConfigsResource resource, boolean validateOnly) {
    String name = resource.resourceName();
    if (!name.isEmpty() && !name.equals(String.valueOf(nodeId))) {
      return new ApiError(
          Errors.INVALID_REQUEST,
          "Unexpected broker id, expected %d, but received %s".formatted(nodeId, name));
    }
    Map<String, String> dynamic =
        new TreeMap<>(metadata.current().brokerConfigs().getOrDefault(name, Map.of()));
    for (AlterableConfig c : resource.configs()) {
      boolean isDynamic = DYNAMIC_BROKER_CONFIGS.contains(c.name());
      AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation());
      if (op == AlterConfigOp.OpType.DELETE) {
        dynamic.remove(c.name());
      } else if (isDynamic && op == AlterConfigOp.OpType.SET) {
        ApiError invalid = checkRate(c.name(), c.value());
        if (!invalid.isSuccess()) {
          return invalid;
        }
        dynamic.put(c.name(), c.value().trim());
      } else {
        String why =
            isDynamic
                ? "only SET and DELETE apply to it"
                : "broker configs are static (set in the properties file)";
        return new ApiError(
            Errors.INVALID_REQUEST, "Cannot change broker config %s: %s".formatted(c.name(), why));
      }
    }
    if (!validateOnly
        && !dynamic.equals(metadata.current().brokerConfigs().getOrDefault(name, Map.of()))) {
      try {
        metadata.setBrokerConfigs(name, dynamic);
      } catch (RuntimeException e) {
        return ApiError.fromThrowable(e);
      }
    }
    return ApiError.NONE;
  }

  /** A rate in bytes per second, as Kafka's config type LONG, at least 0. */
  private static ApiError checkRate(String name, String value) {
    long rate;
    try {
      rate = Long.parseLong(value == null ? "" : value.trim());
    } catch (NumberFormatException e) {
      return new ApiError(
          Errors.INVALID_CONFIG,
          "Invalid value %s for configuration %s: Not a number of type LONG"
              .formatted(value, name));
    }
    if (rate < 0) {
      return new ApiError(
          Errors.INVALID_CONFIG,
          "Invalid value %s for configuration %s: Value must be at least 0".formatted(value, name));
    }
    return ApiError.NONE;
  }

  private static void apply(Map<String, String> overrides, AlterableConfig c) {
    AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation());
    if (op == null) {
      throw new InvalidRequestException("unknown config operation " + c.configOperation());
    }
    switch (op) {
      case SET -> overrides.put(c.name(), c.value());
      case DELETE -> overrides.remove(c.name());
      case APPEND, SUBTRACT -> {
        if (!c.name().equals("cleanup.policy")) {
          throw new InvalidRequestException(
              op + " is only valid for list configs such as cleanup.policy");
        }
        List<String> values = new ArrayList<>();
        String existing = overrides.get(c.name());
        if (existing != null && !existing.isBlank()) {
          values.addAll(Arrays.asList(existing.split(",")));
        }
        List<String> changes = Arrays.asList(c.value().split(","));
        if (op == AlterConfigOp.OpType.APPEND) {
          changes.stream().filter(v -> !values.contains(v)).forEach(values::add);
        } else {
          values.removeAll(changes);
        }
        overrides.put(c.name(), String.join(",", values));
      }
    }
  }
}
