package dev.eventshop.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.LocalMetadataStore;
import dev.eventshop.broker.protocol.TestContexts;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.admin.FeatureUpdate.UpgradeType;
import org.apache.kafka.common.message.UpdateFeaturesRequestData;
import org.apache.kafka.common.message.UpdateFeaturesRequestData.FeatureUpdateKey;
import org.apache.kafka.common.message.UpdateFeaturesRequestData.FeatureUpdateKeyCollection;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.UpdateFeaturesRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UpdateFeatures' rules and messages, as Kafka 4.1's controller has them (DifferentialIT compares
 * what the Admin client sees on both brokers). Node 1 is the "local controller" of the messages.
 */
class UpdateFeaturesHandlerTest {

  static final String PREFIX =
      "The update failed for all features since the following feature had an error: ";

  @TempDir Path dir;
  LocalMetadataStore metadata;
  UpdateFeaturesHandler handler;

  @BeforeEach
  void open() {
    metadata =
        new LocalMetadataStore(
            dir, 1, List.of(new ClusterMetadata.Endpoint("PLAINTEXT", "localhost", 9092)));
    handler = new UpdateFeaturesHandler(metadata, 1);
  }

  @AfterEach
  void close() {
    metadata.close();
  }

  static FeatureUpdateKey update(String feature, int level, UpgradeType type) {
    return new FeatureUpdateKey()
        .setFeature(feature)
        .setMaxVersionLevel((short) level)
        .setUpgradeType(type.code());
  }

  UpdateFeaturesResponseData send(int version, boolean validateOnly, FeatureUpdateKey... updates) {
    FeatureUpdateKeyCollection keys = new FeatureUpdateKeyCollection();
    for (FeatureUpdateKey u : updates) {
      keys.mustAdd(u.duplicate());
    }
    UpdateFeaturesRequestData data =
        new UpdateFeaturesRequestData().setFeatureUpdates(keys).setValidateOnly(validateOnly);
    return (UpdateFeaturesResponseData)
        handler
            .handle(
                TestContexts.of(ApiKeys.UPDATE_FEATURES, (short) version, "PLAINTEXT"),
                new UpdateFeaturesRequest(data, (short) version))
            .toCompletableFuture()
            .join();
  }

  String refusal(FeatureUpdateKey update) {
    UpdateFeaturesResponseData r = send(2, false, update);
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.INVALID_UPDATE_VERSION);
    assertThat(r.errorMessage()).startsWith(PREFIX);
    return r.errorMessage().substring(PREFIX.length());
  }

  short level(String feature) {
    return metadata.current().featureLevel(feature);
  }

  @Test
  void refusalsSayWhatKafkasControllerSays() {
    assertThat(refusal(update("transaction.version", 3, UpgradeType.UPGRADE)))
        .isEqualTo(
            "Invalid update version 3 for feature transaction.version. Local controller 1 only"
                + " supports versions 0-2");
    assertThat(refusal(update("no.such.feature", 1, UpgradeType.UPGRADE)))
        .isEqualTo(
            "Invalid update version 1 for feature no.such.feature. Local controller 1 does not"
                + " support this feature.");
    assertThat(refusal(update("no.such.feature", 0, UpgradeType.SAFE_DOWNGRADE)))
        .isEqualTo(
            "Invalid update version 0 for feature no.such.feature. Feature no.such.feature not"
                + " found.");
    assertThat(refusal(update("transaction.version", 1, UpgradeType.UPGRADE)))
        .isEqualTo(
            "Invalid update version 1 for feature transaction.version. Can't downgrade the version"
                + " of this feature without setting the upgrade type to either safe or unsafe"
                + " downgrade.");
    assertThat(refusal(update("transaction.version", 1, UpgradeType.UNKNOWN)))
        .isEqualTo(
            "Invalid update version 1 for feature transaction.version. The controller does not"
                + " support the given upgrade type.");
    assertThat(refusal(update("group.version", -1, UpgradeType.SAFE_DOWNGRADE)))
        .isEqualTo(
            "Invalid update version -1 for feature group.version. A feature version cannot be less"
                + " than 0.");
    assertThat(level("transaction.version")).isEqualTo((short) 2);
    assertThat(metadata.current().features().epoch()).as("nothing changed").isZero();
  }

  @Test
  void oneRefusedUpdateFailsTheWholeRequest() {
    UpdateFeaturesResponseData r =
        send(
            1,
            false,
            update("transaction.version", 1, UpgradeType.SAFE_DOWNGRADE),
            update("group.version", 2, UpgradeType.UPGRADE));
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.INVALID_UPDATE_VERSION);
    assertThat(r.results()).as("no per-feature result when refused").isEmpty();
    assertThat(level("transaction.version")).isEqualTo((short) 2);
  }

  @Test
  void downgradeUpgradeAndTurnOffWithValidateOnlyChangingNothing() {
    UpdateFeaturesResponseData checked =
        send(2, true, update("transaction.version", 1, UpgradeType.SAFE_DOWNGRADE));
    assertThat(Errors.forCode(checked.errorCode())).isEqualTo(Errors.NONE);
    assertThat(level("transaction.version")).isEqualTo((short) 2);

    UpdateFeaturesResponseData v1 =
        send(1, false, update("transaction.version", 1, UpgradeType.UNSAFE_DOWNGRADE));
    assertThat(Errors.forCode(v1.errorCode())).isEqualTo(Errors.NONE);
    assertThat(v1.errorMessage()).isNull();
    assertThat(v1.results())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.feature()).isEqualTo("transaction.version");
              assertThat(r.errorCode()).isZero();
              assertThat(r.errorMessage()).isEqualTo("NONE");
            });
    assertThat(level("transaction.version")).isEqualTo((short) 1);

    assertThat(refusal(update("transaction.version", 2, UpgradeType.SAFE_DOWNGRADE)))
        .endsWith("Can't downgrade to a newer version.");
    UpdateFeaturesResponseData v2 =
        send(
            2,
            false,
            update("transaction.version", 2, UpgradeType.UPGRADE),
            update("group.version", 0, UpgradeType.SAFE_DOWNGRADE));
    assertThat(Errors.forCode(v2.errorCode())).isEqualTo(Errors.NONE);
    assertThat(v2.results()).as("v2 answers at the top only").isEmpty();
    assertThat(level("transaction.version")).isEqualTo((short) 2);
    assertThat(level("group.version")).as("0 turns it off, not back to its default").isZero();
    assertThat(metadata.current().features().epoch()).isEqualTo(2);
  }

  /** Kafka's controller reads the upgrade type in v0 too, where it is absent: always UPGRADE. */
  @Test
  void v0CannotDowngradeWhateverAllowDowngradeSays() {
    FeatureUpdateKey downgrade =
        new FeatureUpdateKey()
            .setFeature("transaction.version")
            .setMaxVersionLevel((short) 1)
            .setAllowDowngrade(true);
    UpdateFeaturesResponseData r = send(0, false, downgrade);
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.INVALID_UPDATE_VERSION);
    assertThat(r.errorMessage()).contains("Can't downgrade the version of this feature");
  }

  /** A feature named twice counts once, as its last update, as in Kafka's controller. */
  @Test
  void aFeatureNamedTwiceTakesItsLastUpdate() {
    UpdateFeaturesResponseData r =
        send(
            1,
            false,
            update("transaction.version", 1, UpgradeType.SAFE_DOWNGRADE),
            update("transaction.version", 0, UpgradeType.SAFE_DOWNGRADE));
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    assertThat(r.results()).hasSize(2);
    assertThat(level("transaction.version")).isZero();
  }
}
