package dev.eventshop.shop.e2e;

import dev.eventshop.broker.testing.MiniBrokerCluster;
import java.util.Map;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The broker the shop runs on, reached only through its bootstrap address: Apache Kafka or
 * mini-broker started in this JVM, or a broker somebody else manages (a Testcontainers container).
 */
public interface ShopBroker extends AutoCloseable {

  String bootstrapServers();

  @Override
  void close();

  /** Apache Kafka 4.1 (kafka-clients' version), one KRaft node in this JVM (spring-kafka-test). */
  static ShopBroker apacheKafka() {
    EmbeddedKafkaBroker kafka =
        new EmbeddedKafkaKraftBroker(1, 3)
            .brokerProperties(
                Map.of(
                    "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "5"));
    kafka.afterPropertiesSet();
    return new ShopBroker() {
      @Override
      public String bootstrapServers() {
        return kafka.getBrokersAsString();
      }

      @Override
      public void close() {
        kafka.destroy();
      }

      @Override
      public String toString() {
        return "Apache Kafka (in-process, 1 node)";
      }
    };
  }

  /** mini-broker, one node in this JVM (mini-broker-testing). */
  static ShopBroker miniBroker() {
    MiniBrokerCluster broker = MiniBrokerCluster.start(Map.of());
    return new ShopBroker() {
      @Override
      public String bootstrapServers() {
        return broker.bootstrapServers();
      }

      @Override
      public void close() {
        broker.close();
      }

      @Override
      public String toString() {
        return "mini-broker (in-process, 1 node)";
      }
    };
  }

  /** A broker that is started and stopped elsewhere. */
  static ShopBroker external(String bootstrapServers, String description) {
    return new ShopBroker() {
      @Override
      public String bootstrapServers() {
        return bootstrapServers;
      }

      @Override
      public void close() {}

      @Override
      public String toString() {
        return description;
      }
    };
  }
}
