package dev.eventshop.broker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Three broker containers in one quorum. Skipped where no Docker engine runs (never run on the
 * machines this was written on); {@link MiniBrokerClusterIT} is its in-process twin and always
 * runs.
 */
@Testcontainers(disabledWithoutDocker = true)
class MiniBrokerContainerClusterIT {

  // One image, built from the repository's Dockerfile on first use, for all three nodes.
  @Container
  static final MiniBrokerContainerCluster CLUSTER =
      new MiniBrokerContainerCluster(
          3,
          new ImageFromDockerfile("eventshop/mini-broker-test", false)
              .withFileFromPath(".", Path.of("..").toAbsolutePath().normalize())
              .withDockerfilePath("mini-broker/Dockerfile"));

  @Test
  void clientsOnTheHostUseAReplicatedTopic() throws Exception {
    Map<String, Object> props = Map.of("bootstrap.servers", CLUSTER.getBootstrapServers());
    try (Admin admin = Admin.create(props)) {
      assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).hasSize(3);
      admin
          .createTopics(List.of(new NewTopic("replicated", 3, (short) 3)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }
    Map<String, Object> producerProps =
        Map.of("bootstrap.servers", CLUSTER.getBootstrapServers(), "acks", "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
      // acks=all: the followers in the other containers fetched the record from the leader.
      assertThat(
              producer
                  .send(new ProducerRecord<>("replicated", 0, "k", "v"))
                  .get(60, TimeUnit.SECONDS)
                  .offset())
          .isZero();
    }
  }
}
