package dev.eventshop.broker.admin;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
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
final class AlterConfigsHandler extends VersionedApiHandler<AlterConfigsRequest> {

  private final TopicConfigs topicConfigs;

  AlterConfigsHandler(TopicConfigs topicConfigs) {
    super(ApiKeys.ALTER_CONFIGS, 0, 2);
    this.topicConfigs = topicConfigs;
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
