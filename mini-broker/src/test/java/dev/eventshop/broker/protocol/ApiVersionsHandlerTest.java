package dev.eventshop.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.FinalizedFeatures;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.junit.jupiter.api.Test;

/** The features part of ApiVersions, in the shape Kafka 4.1 answers (DifferentialIT compares). */
class ApiVersionsHandlerTest {

  ClusterMetadata metadata = new ClusterMetadata("cid", 1, Map.of(), Map.of());
  ApiTable table;
  ApiVersionsHandler handler = new ApiVersionsHandler(() -> table, () -> metadata);

  {
    table = new ApiTable(List.of(handler));
  }

  ApiVersionsResponseData answer(int version) {
    ApiVersionsRequest request = new ApiVersionsRequest.Builder((short) version).build();
    return (ApiVersionsResponseData)
        handler
            .handle(TestContexts.of(ApiKeys.API_VERSIONS, (short) version, "PLAINTEXT"), request)
            .toCompletableFuture()
            .join();
  }

  @Test
  void v4AdvertisesTheSupportedRangesAndTheDefaultLevelsOfANewKafka41Cluster() {
    ApiVersionsResponseData v4 = answer(4);
    assertThat(v4.supportedFeatures())
        .containsExactlyInAnyOrder(
            supported("transaction.version", 0, 2), supported("group.version", 0, 1));
    assertThat(v4.finalizedFeatures())
        .containsExactlyInAnyOrder(
            finalized("transaction.version", 2), finalized("group.version", 1));
    assertThat(v4.finalizedFeaturesEpoch()).isZero();
  }

  /** Kafka leaves out features whose range starts at 0 before v4 (KAFKA-17492); both of ours do. */
  @Test
  void v3LeavesOutRangesFromZeroButNotTheFinalizedLevels() {
    ApiVersionsResponseData v3 = answer(3);
    assertThat(v3.supportedFeatures()).isEmpty();
    assertThat(v3.finalizedFeatures()).hasSize(2);
    assertThat(answer(2).finalizedFeaturesEpoch()).as("no features before v3").isEqualTo(-1);
  }

  @Test
  void aFeatureTurnedOffIsLeftOutAndTheEpochIsTheClusters() {
    metadata =
        metadata.withFeatures(
            new FinalizedFeatures(
                Map.of("transaction.version", (short) 1, "group.version", (short) 0), 5));
    ApiVersionsResponseData v4 = answer(4);
    assertThat(v4.finalizedFeatures()).containsExactly(finalized("transaction.version", 1));
    assertThat(v4.finalizedFeaturesEpoch()).isEqualTo(5);
  }

  static SupportedFeatureKey supported(String name, int min, int max) {
    return new SupportedFeatureKey()
        .setName(name)
        .setMinVersion((short) min)
        .setMaxVersion((short) max);
  }

  static FinalizedFeatureKey finalized(String name, int level) {
    return new FinalizedFeatureKey()
        .setName(name)
        .setMinVersionLevel((short) level)
        .setMaxVersionLevel((short) level);
  }
}
