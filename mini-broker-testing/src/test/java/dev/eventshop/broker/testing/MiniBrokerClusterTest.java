package dev.eventshop.broker.testing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad settings fail the start at once, with an error that names them. */
class MiniBrokerClusterTest {

  @Test
  void aBadBrokerPropertyFailsTheStartNamingTheKey() {
    assertThatThrownBy(() -> MiniBrokerCluster.start(3, Map.of("num.partitions", "many")))
        .hasMessageContaining("num.partitions");
  }

  @Test
  void aClusterHasAtLeastOneNode() {
    assertThatThrownBy(() -> MiniBrokerCluster.start(0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one node");
  }
}
