package dev.eventshop.support.kafka;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The topics a service declares at start-up: each of {@code shop.kafka.topics} and its dead-letter
 * topic, with the same partition count (a parked record keeps its partition). Spring's {@link
 * KafkaAdmin} creates the missing ones and leaves existing ones as they are.
 */
public final class ShopTopics {

  private ShopTopics() {}

  /** The topics to declare, in the order of {@code shop.kafka.topics}, each followed by its DLT. */
  public static List<NewTopic> of(ShopKafkaProperties kafka) {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : kafka.topics()) {
      for (String topic : List.of(name, name + DeadLetterErrorHandling.DLT_SUFFIX)) {
        TopicBuilder builder =
            TopicBuilder.name(topic)
                .partitions(kafka.partitions())
                .replicas(kafka.replicationFactor());
        if (kafka.minInsyncReplicas() > 1) {
          builder.config(
              TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(kafka.minInsyncReplicas()));
        }
        topics.add(builder.build());
      }
    }
    return List.copyOf(topics);
  }
}
