package dev.eventshop.broker.testing;

import com.github.dockerjava.api.command.InspectContainerResponse;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * mini-broker in a Docker container (the image built from {@code mini-broker/Dockerfile}). Like
 * Testcontainers' KafkaContainer, it starts the broker only once the mapped port is known, so that
 * the address it advertises to clients is the one they can reach from the host.
 */
public class MiniBrokerContainer extends GenericContainer<MiniBrokerContainer> {

  public static final DockerImageName DEFAULT_IMAGE =
      DockerImageName.parse("eventshop/mini-broker:latest");
  static final int PORT = 9092;
  private static final String STARTER = "/tmp/mini-broker-advertised";

  public MiniBrokerContainer() {
    this(DEFAULT_IMAGE);
  }

  public MiniBrokerContainer(DockerImageName image) {
    super(image);
    configureBroker();
  }

  /** An image still to be built, for example {@code new ImageFromDockerfile()...}. */
  public MiniBrokerContainer(java.util.concurrent.Future<String> image) {
    super(image);
    configureBroker();
  }

  private void configureBroker() {
    withExposedPorts(PORT);
    withEnv("MINI_BROKER_WAIT_FOR", STARTER);
    withEnv("KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:" + PORT);
    withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    waitingFor(Wait.forLogMessage(".*mini-broker \\d+ ready on .*", 1));
  }

  @Override
  protected void containerIsStarting(InspectContainerResponse containerInfo) {
    // The entrypoint waits for this file, then starts the broker with these overrides.
    String overrides =
        "advertised.listeners=PLAINTEXT://" + getHost() + ":" + getMappedPort(PORT) + "\n";
    copyFileToContainer(Transferable.of(overrides), STARTER);
  }

  /** host:port for {@code bootstrap.servers}, reachable from the test JVM. */
  public String getBootstrapServers() {
    return getHost() + ":" + getMappedPort(PORT);
  }
}
