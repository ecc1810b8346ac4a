package dev.eventshop.broker.admin;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.RequestContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
 * or not at all. Broker configs are static (server.properties): deleting a broker's dynamic
 * override succeeds, since there never is one ({@code kafka-reassign-partitions.sh} clears its
 * replication throttles that way after every reassignment), and any other change is refused, the
 * replication throttle rates ({@code --throttle}) with a message that says mini-broker does not
 * throttle. Versions 0-1.
 */
final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequest> {

  private final TopicConfigs topicConfigs;
  private final int nodeId;

  IncrementalAlterConfigsHandler(TopicConfigs topicConfigs, int nodeId) {
    this.topicConfigs = topicConfigs;
    this.nodeId = nodeId;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
  }

  @Override
  public short minVersion() {
    return 0;
  }

  @Override
  public short maxVersion() {
    return 1;
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
              ? alterBroker(resource)
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

  /** Deleting overrides of this broker's static configs changes nothing; the rest is refused. */
  private ApiError alterBroker(AlterConfigsResource resource) {
    String name = resource.resourceName();
    if (!name.isEmpty() && !name.equals(String.valueOf(nodeId))) {
      return new ApiError(
          Errors.INVALID_REQUEST,
          "Unexpected broker id, expected %d, but received %s".formatted(nodeId, name));
    }
    for (AlterableConfig c : resource.configs()) {
      if (c.configOperation() != AlterConfigOp.OpType.DELETE.id()) {
        String why =
            c.name().endsWith(".replication.throttled.rate")
                ? "mini-broker does not throttle replication"
                : "broker configs are static (set in the properties file)";
        return new ApiError(
            Errors.INVALID_REQUEST, "Cannot change broker config %s: %s".formatted(c.name(), why));
      }
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
