package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The single-node store keeps what it is told in its file, across a restart of the broker. */
class LocalMetadataStoreTest {

  @TempDir Path logDir;

  LocalMetadataStore open() {
    return new LocalMetadataStore(logDir, 1, Registrations.plaintext("localhost", 9092));
  }

  @Test
  void featureLevelsAndTheirEpochSurviveARestart() {
    try (LocalMetadataStore store = open()) {
      assertThat(store.current().features()).isEqualTo(FinalizedFeatures.DEFAULT);
      List<ClusterMetadata> published = new ArrayList<>();
      store.addListener(published::add);
      store.setFeatureLevels(Map.of("transaction.version", (short) 1));
      store.setFeatureLevels(Map.of("group.version", (short) 0));
      store.setFeatureLevels(Map.of("group.version", (short) 0));
      assertThat(published).as("a change that changes nothing is not published").hasSize(2);
    }
    try (LocalMetadataStore restarted = open()) {
      assertThat(restarted.current().featureLevel("transaction.version")).isEqualTo((short) 1);
      assertThat(restarted.current().featureLevel("group.version")).isZero();
      assertThat(restarted.current().features().epoch()).isEqualTo(2);
    }
  }

  /** A file written before feature levels were kept reads as a cluster that never set one. */
  @Test
  void aFileWithoutFeatureLevelsReadsAsTheDefaults() throws Exception {
    open().close();
    Files.writeString(
        logDir.resolve("cluster-metadata.properties"),
        "topic.orders.id=" + Uuid.randomUuid() + "\ntopic.orders.partitions=1\n");
    try (LocalMetadataStore store = open()) {
      assertThat(store.current().topics()).containsKey("orders");
      assertThat(store.current().features()).isEqualTo(FinalizedFeatures.DEFAULT);
    }
  }
}
