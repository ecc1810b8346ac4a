package dev.eventshop.shop.e2e;

import dev.eventshop.broker.testing.MiniBrokerCluster;
import java.util.Map;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The broker the shop runs on, reached only through its bootstrap address: Apache Kafka or
 * mini-broker started in this JVM, or a broker somebody else manages (a Testcontainers container).
 *
 * @param stop what {@link #close()} does
 */
public record ShopBroker(String bootstrapServers, String description, Runnable stop)
    implements AutoCloseable {

  /** Apache Kafka 4.1 (kafka-clients' version), one KRaft node in this JVM (spring-kafka-test). */
  public static ShopBroker apacheKafka() {
    EmbeddedKafkaBroker kafka =
        new EmbeddedKafkaKraftBroker(1, 3)
            .brokerProperties(
                Map.of(
                    "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "5"));
    kafka.afterPropertiesSet();
    return new ShopBroker(
        kafka.getBrokersAsString(), "Apache Kafka (in-process, 1 node)", kafka::destroy);
  }

  /** mini-broker, one node in this JVM (mini-broker-testing). */
  public static ShopBroker miniBroker() {
    MiniBrokerCluster broker = MiniBrokerCluster.start(Map.of());
    return new ShopBroker(
        broker.bootstrapServers(), "mini-broker (in-process, 1 node)", broker::close);
  }

  /** mini-broker, {@code nodes} nodes in this JVM with their Raft quorum (mini-broker-testing). */
  public static ShopBroker miniBrokerCluster(int nodes) {
    MiniBrokerCluster cluster = MiniBrokerCluster.start(nodes, Map.of());
    return new ShopBroker(
        cluster.bootstrapServers(),
        "mini-broker (in-process, " + nodes + " nodes)",
        cluster::close);
  }

  /** A broker that is started and stopped elsewhere. */
  public static ShopBroker external(String bootstrapServers, String description) {
    return new ShopBroker(bootstrapServers, description, () -> {});
  }

  @Override
  public void close() {
    stop.run();
  }

  @Override
  public String toString() {
    return description;
  }
}
