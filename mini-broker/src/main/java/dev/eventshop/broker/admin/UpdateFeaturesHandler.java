package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.FinalizedFeatures;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.metadata.SupportedFeature;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType;
import org.apache.kafka.common.message.UpdateFeaturesRequestData.FeatureUpdateKey;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.message.UpdateFeaturesResponseData.UpdatableFeatureResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.UpdateFeaturesRequest;

/**
 * UpdateFeatures (KIP-584; {@code Admin.updateFeatures}, {@code kafka-features.sh upgrade,
 * downgrade, disable}): sets the cluster's finalized feature levels, with the checks, errors and
 * messages of Kafka 4.1's controller. The updates of a request apply together or not at all: the
 * first refused one fails the request with INVALID_UPDATE_VERSION, and a request that passes sets
 * every level at once (versions 0-1 then answer NONE per feature, version 2 only at the top).
 * {@code validateOnly} (v1+) checks and changes nothing.
 *
 * <p>Kafka's rules, per feature: the upgrade type must be UPGRADE, SAFE_DOWNGRADE or
 * UNSAFE_DOWNGRADE (both downgrades mean the same for these features); the level must be within
 * what this broker supports ({@link SupportedFeature}), 0 included, which turns a feature off; a
 * lower level than the finalized one needs a downgrade type, a higher one an upgrade. Kafka has no
 * further rule for these two features (no dependency between them, and group.version may go to 0
 * with consumer groups alive: ConsumerGroupHeartbeat is refused from then on). As Kafka's
 * controller does, it reads a request by feature name (a feature named twice counts once, as its
 * last update), checks the features in hash order, and reads the upgrade type even in v0, where it
 * is absent and so always UPGRADE: v0's AllowDowngrade is ignored, so a v0 request cannot
 * downgrade.
 *
 * <p>The check reads this node's view of the metadata, so two requests at once may both pass
 * against the same levels (Kafka's controller checks each against the last); the later one then
 * wins, as it would have had it come second.
 */
final class UpdateFeaturesHandler extends VersionedApiHandler<UpdateFeaturesRequest> {

  private final MetadataStore metadata;
  private final int nodeId;

  UpdateFeaturesHandler(MetadataStore metadata, int nodeId) {
    super(ApiKeys.UPDATE_FEATURES, 0, 2);
    this.metadata = metadata;
    this.nodeId = nodeId;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, UpdateFeaturesRequest request) {
    Map<String, Short> levels = new HashMap<>();
    Map<String, UpgradeType> upgradeTypes = new HashMap<>();
    for (FeatureUpdateKey update : request.data().featureUpdates()) {
      levels.put(update.feature(), update.maxVersionLevel());
      upgradeTypes.put(update.feature(), UpgradeType.fromCode(update.upgradeType()));
    }
    FinalizedFeatures finalized = metadata.current().features();
    for (Map.Entry<String, Short> e : levels.entrySet()) {
      Optional<String> why =
          whyNot(e.getKey(), e.getValue(), upgradeTypes.get(e.getKey()), finalized);
      if (why.isPresent()) {
        return answer(
            new ApiError(
                Errors.INVALID_UPDATE_VERSION,
                "The update failed for all features since the following feature had an error: "
                    + "Invalid update version %d for feature %s. %s"
                        .formatted(e.getValue(), e.getKey(), why.get())));
      }
    }
    Map<String, Short> changes = new TreeMap<>();
    levels.forEach(
        (feature, level) -> {
          if (level != finalized.level(feature)) {
            changes.put(feature, level);
          }
        });
    if (!request.data().validateOnly() && !changes.isEmpty()) {
      try {
        metadata.setFeatureLevels(changes);
      } catch (RuntimeException e) {
        return answer(ApiError.fromThrowable(e));
      }
    }
    UpdateFeaturesResponseData response =
        new UpdateFeaturesResponseData().setErrorCode(Errors.NONE.code()).setErrorMessage(null);
    if (context.apiVersion() <= 1) {
      for (FeatureUpdateKey update : request.data().featureUpdates()) {
        response
            .results()
            .add(
                new UpdatableFeatureResult()
                    .setFeature(update.feature())
                    .setErrorCode(Errors.NONE.code())
                    .setErrorMessage(Errors.NONE.message()));
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  /** Why {@code feature} cannot go to {@code level}, in the words of Kafka's controller. */
  private Optional<String> whyNot(
      String feature, short level, UpgradeType upgradeType, FinalizedFeatures finalized) {
    if (upgradeType == UpgradeType.UNKNOWN) {
      return Optional.of("The controller does not support the given upgrade type.");
    }
    if (level < 0) {
      return Optional.of("A feature version cannot be less than 0.");
    }
    Optional<SupportedFeature> supported = SupportedFeature.named(feature);
    // An unknown feature is supported at level 0 only (Kafka's range 0-0): off, as it is.
    short max = supported.map(SupportedFeature::maxLevel).orElse((short) 0);
    short min = supported.map(SupportedFeature::minLevel).orElse((short) 0);
    if (level < min || level > max) {
      return Optional.of(
          max == 0
              ? "Local controller %d does not support this feature.".formatted(nodeId)
              : "Local controller %d only supports versions %s"
                  .formatted(nodeId, min == max ? "" + min : min + "-" + max));
    }
    short current = finalized.level(feature);
    if (level < current && upgradeType == UpgradeType.UPGRADE) {
      return Optional.of(
          "Can't downgrade the version of this feature without setting the upgrade type to either"
              + " safe or unsafe downgrade.");
    }
    if (level > current && upgradeType != UpgradeType.UPGRADE) {
      return Optional.of("Can't downgrade to a newer version.");
    }
    if (supported.isEmpty()) {
      return Optional.of("Feature " + feature + " not found.");
    }
    return Optional.empty();
  }

  private static CompletionStage<ApiMessage> answer(ApiError error) {
    return CompletableFuture.completedFuture(
        new UpdateFeaturesResponseData()
            .setErrorCode(error.error().code())
            .setErrorMessage(error.message()));
  }
}
