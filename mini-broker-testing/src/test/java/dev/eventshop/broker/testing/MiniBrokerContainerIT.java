package dev.eventshop.broker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The broker image in Docker. Skipped where no Docker engine runs; {@link MiniBrokerExtensionIT} is
 * its in-process twin and always runs.
 */
@Testcontainers(disabledWithoutDocker = true)
class MiniBrokerContainerIT {

  // Built from the repository's Dockerfile when the container starts (never without Docker).
  @Container
  static final MiniBrokerContainer BROKER =
      new MiniBrokerContainer(
          new ImageFromDockerfile("eventshop/mini-broker-test", false)
              .withFileFromPath(".", java.nio.file.Path.of("..").toAbsolutePath().normalize())
              .withDockerfilePath("mini-broker/Dockerfile"));

  @Test
  void clientsOnTheHostProduceToTheContainer() throws Exception {
    Map<String, Object> props = Map.of("bootstrap.servers", BROKER.getBootstrapServers());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      assertThat(
              producer
                  .send(new ProducerRecord<>("t", 0, "k", "v"))
                  .get(30, TimeUnit.SECONDS)
                  .offset())
          .isZero();
    }
    try (Admin admin = Admin.create(Map.<String, Object>copyOf(props))) {
      assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
    }
  }
}
