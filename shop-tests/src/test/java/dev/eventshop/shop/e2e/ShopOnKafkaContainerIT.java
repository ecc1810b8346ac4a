package dev.eventshop.shop.e2e;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The shop's scenarios on Apache Kafka 4.1.2 (kafka-clients' version) in Docker. Skipped where no
 * Docker engine runs; {@link ShopOnApacheKafkaIT} is its in-process twin and always runs.
 *
 * <p>No {@code @ServiceConnection}: it configures a Spring context in the test JVM, and the
 * services here are processes of their own; they get the container's address through {@code
 * SPRING_KAFKA_BOOTSTRAP_SERVERS}, as in Docker Compose.
 */
@Testcontainers(disabledWithoutDocker = true)
class ShopOnKafkaContainerIT extends ShopScenarios {

  @Container static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.2");

  @Override
  protected ShopBroker startBroker() {
    return ShopBroker.external(KAFKA.getBootstrapServers(), "Apache Kafka 4.1.2 in Docker");
  }
}
