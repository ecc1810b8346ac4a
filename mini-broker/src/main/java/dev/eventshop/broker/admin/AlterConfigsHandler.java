package dev.eventshop.broker.admin;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.RequestContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.ApiError;

/**
 * AlterConfigs (the legacy, non-incremental form): replaces all overrides of a topic with the given
 * set. Broker configs are static and cannot be altered. Versions 0-2.
 */
final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequest> {

  private final TopicConfigs topicConfigs;

  AlterConfigsHandler(TopicConfigs topicConfigs) {
    this.topicConfigs = topicConfigs;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.ALTER_CONFIGS;
  }

  @Override
  public short minVersion() {
    return 0;
  }

  @Override
  public short maxVersion() {
    return 2;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, AlterConfigsRequest request) {
    AlterConfigsResponseData response = new AlterConfigsResponseData();
    for (AlterConfigsResource resource : request.data().resources()) {
      AlterConfigsResourceResponse result =
          new AlterConfigsResourceResponse()
              .setResourceType(resource.resourceType())
              .setResourceName(resource.resourceName());
      response.responses().add(result);
      ApiError outcome =
          topicConfigs.alter(
              resource.resourceType(),
              resource.resourceName(),
              current -> {
                // The legacy form replaces every override with exactly the given set.
                Map<String, String> overrides = new LinkedHashMap<>();
                for (AlterableConfig c : resource.configs()) {
                  overrides.put(c.name(), c.value());
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
}
