package dev.eventshop.support.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class ShopTopicsTest {

  private static final ShopKafkaProperties.Retry RETRY =
      new ShopKafkaProperties.Retry(3, Duration.ofMillis(200), 2);

  @Test
  void everyTopicComesWithItsDeadLetterTopicOfTheSameShape() {
    List<NewTopic> topics =
        ShopTopics.of(
            new ShopKafkaProperties(List.of("orders", "payments"), 3, (short) 1, 1, RETRY));

    assertThat(topics)
        .extracting(NewTopic::name)
        .containsExactly("orders", "orders.DLT", "payments", "payments.DLT");
    assertThat(topics).allSatisfy(t -> assertThat(t.numPartitions()).isEqualTo(3));
    assertThat(topics).allSatisfy(t -> assertThat(t.configs()).isNullOrEmpty());
  }

  @Test
  void aClusterGetsReplicasAndAMinimumInSyncSet() {
    List<NewTopic> topics =
        ShopTopics.of(new ShopKafkaProperties(List.of("orders"), 3, (short) 3, 2, RETRY));

    assertThat(topics)
        .allSatisfy(
            t -> {
              assertThat(t.replicationFactor()).isEqualTo((short) 3);
              assertThat(t.configs()).isEqualTo(Map.of("min.insync.replicas", "2"));
            });
  }
}
