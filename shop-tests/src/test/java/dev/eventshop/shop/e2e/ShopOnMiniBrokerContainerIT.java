package dev.eventshop.shop.e2e;

import dev.eventshop.broker.testing.MiniBrokerContainer;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The shop's scenarios on mini-broker's image in Docker (built from {@code mini-broker/Dockerfile}
 * when the container starts). Skipped where no Docker engine runs; {@link ShopOnMiniBrokerIT} is
 * its in-process twin and always runs. The services get the address through {@code
 * SPRING_KAFKA_BOOTSTRAP_SERVERS}, not {@code @ServiceConnection} (see {@link
 * ShopOnKafkaContainerIT}).
 */
@Testcontainers(disabledWithoutDocker = true)
class ShopOnMiniBrokerContainerIT extends ShopScenarios {

  @Container
  static final MiniBrokerContainer BROKER =
      new MiniBrokerContainer(
          new ImageFromDockerfile("eventshop/mini-broker-shop-test", false)
              .withFileFromPath(".", ROOT)
              .withDockerfilePath("mini-broker/Dockerfile"));

  @Override
  protected ShopBroker startBroker() {
    return ShopBroker.external(BROKER.getBootstrapServers(), "mini-broker in Docker");
  }
}
