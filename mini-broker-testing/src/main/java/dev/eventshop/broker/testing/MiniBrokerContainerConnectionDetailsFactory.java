package dev.eventshop.broker.testing;

import java.util.List;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;

/**
 * Lets {@code @ServiceConnection MiniBrokerContainer broker} configure spring-kafka's bootstrap
 * servers, as Spring Boot does for Testcontainers' own Kafka containers. Registered in {@code
 * META-INF/spring.factories}.
 */
class MiniBrokerContainerConnectionDetailsFactory
    extends ContainerConnectionDetailsFactory<MiniBrokerContainer, KafkaConnectionDetails> {

  @Override
  protected KafkaConnectionDetails getContainerConnectionDetails(
      ContainerConnectionSource<MiniBrokerContainer> source) {
    return new MiniBrokerConnectionDetails(source);
  }

  private static final class MiniBrokerConnectionDetails
      extends ContainerConnectionDetails<MiniBrokerContainer> implements KafkaConnectionDetails {

    MiniBrokerConnectionDetails(ContainerConnectionSource<MiniBrokerContainer> source) {
      super(source);
    }

    @Override
    public List<String> getBootstrapServers() {
      return List.of(getContainer().getBootstrapServers());
    }

    @Override
    public SslBundle getSslBundle() {
      return super.getSslBundle();
    }
  }
}
