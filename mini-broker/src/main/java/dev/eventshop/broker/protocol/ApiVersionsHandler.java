package dev.eventshop.broker.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

/**
 * ApiVersions: lists every API of the {@link ApiTable} with the versions its handler implements. A
 * request of a version this broker does not know never reaches here: the network layer answers it
 * with {@link #unsupportedVersionResponse()} in version 0, as Kafka does, so that the client can
 * retry with a version both sides know.
 */
public final class ApiVersionsHandler extends VersionedApiHandler<ApiVersionsRequest> {

  private final Supplier<ApiTable> table;

  /** The table is supplied lazily because this handler is itself one of its entries. */
  public ApiVersionsHandler(Supplier<ApiTable> table) {
    super(ApiKeys.API_VERSIONS, 0, 4);
    this.table = table;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, ApiVersionsRequest request) {
    if (context.apiVersion() >= 3 && !request.isValid()) {
      return CompletableFuture.completedFuture(
          new ApiVersionsResponseData()
              .setErrorCode(Errors.INVALID_REQUEST.code())
              .setApiKeys(apiKeys()));
    }
    return CompletableFuture.completedFuture(
        new ApiVersionsResponseData().setErrorCode(Errors.NONE.code()).setApiKeys(apiKeys()));
  }

  /** The answer to an ApiVersions request of a version newer than {@link #maxVersion()}. */
  public ApiVersionsResponseData unsupportedVersionResponse() {
    return new ApiVersionsResponseData()
        .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
        .setApiKeys(apiKeys());
  }

  private ApiVersionCollection apiKeys() {
    ApiVersionCollection keys = new ApiVersionCollection();
    table.get().all().stream()
        .sorted(java.util.Comparator.comparingInt(h -> h.apiKey().id))
        .forEach(
            h ->
                keys.add(
                    new ApiVersion()
                        .setApiKey(h.apiKey().id)
                        .setMinVersion(h.minVersion())
                        .setMaxVersion(h.maxVersion())));
    return keys;
  }
}
