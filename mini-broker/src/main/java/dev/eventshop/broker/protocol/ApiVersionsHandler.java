package dev.eventshop.broker.protocol;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.FinalizedFeatures;
import dev.eventshop.broker.metadata.SupportedFeature;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKeyCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

/**
 * ApiVersions: lists every API of the {@link ApiTable} with the versions its handler implements,
 * and from v3 the features (KIP-584): the levels of each {@link SupportedFeature} this broker
 * supports, and the cluster's finalized levels with their epoch, from which Kafka's producer
 * chooses its transaction protocol. A request of a version this broker does not know never reaches
 * here: the network layer answers it with {@link #unsupportedVersionResponse()} in version 0, as
 * Kafka does, so that the client can retry with a version both sides know.
 */
public final class ApiVersionsHandler extends VersionedApiHandler<ApiVersionsRequest> {

  private final Supplier<ApiTable> table;
  private final Supplier<ClusterMetadata> metadata;

  /**
   * The table is supplied lazily because this handler is itself one of its entries, the metadata
   * because the broker makes its metadata store after this handler.
   */
  public ApiVersionsHandler(Supplier<ApiTable> table, Supplier<ClusterMetadata> metadata) {
    super(ApiKeys.API_VERSIONS, 0, 4);
    this.table = table;
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, ApiVersionsRequest request) {
    if (context.apiVersion() >= 3 && !request.isValid()) {
      return CompletableFuture.completedFuture(
          new ApiVersionsResponseData()
              .setErrorCode(Errors.INVALID_REQUEST.code())
              .setApiKeys(apiKeys()));
    }
    ApiVersionsResponseData response =
        new ApiVersionsResponseData().setErrorCode(Errors.NONE.code()).setApiKeys(apiKeys());
    if (context.apiVersion() >= 3) {
      FinalizedFeatures features = metadata.get().features();
      response
          .setSupportedFeatures(supportedFeatures(context.apiVersion()))
          .setFinalizedFeatures(finalizedFeatures(features))
          .setFinalizedFeaturesEpoch(features.epoch());
    }
    return CompletableFuture.completedFuture(response);
  }

  /** The answer to an ApiVersions request of a version newer than {@link #maxVersion()}. */
  public ApiVersionsResponseData unsupportedVersionResponse() {
    return new ApiVersionsResponseData()
        .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
        .setApiKeys(apiKeys());
  }

  /**
   * Before v4, a feature whose lowest level is 0 is left out, as Kafka does (KAFKA-17492): older
   * clients fail to read a supported range that starts at 0. Both of ours do, so a v3 answer lists
   * none.
   */
  private static SupportedFeatureKeyCollection supportedFeatures(short version) {
    SupportedFeatureKeyCollection keys = new SupportedFeatureKeyCollection();
    for (SupportedFeature f : SupportedFeature.values()) {
      if (version >= 4 || f.minLevel() > 0) {
        keys.add(
            new SupportedFeatureKey()
                .setName(f.featureName())
                .setMinVersion(f.minLevel())
                .setMaxVersion(f.maxLevel()));
      }
    }
    return keys;
  }

  /** As Kafka does, a feature at level 0 (off) is left out, and min and max are the level. */
  private static FinalizedFeatureKeyCollection finalizedFeatures(FinalizedFeatures features) {
    FinalizedFeatureKeyCollection keys = new FinalizedFeatureKeyCollection();
    for (Map.Entry<String, Short> e : features.all().entrySet()) {
      if (e.getValue() != 0) {
        keys.add(
            new FinalizedFeatureKey()
                .setName(e.getKey())
                .setMinVersionLevel(e.getValue())
                .setMaxVersionLevel(e.getValue()));
      }
    }
    return keys;
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
