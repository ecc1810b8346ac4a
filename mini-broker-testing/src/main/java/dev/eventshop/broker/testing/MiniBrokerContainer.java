package dev.eventshop.broker.testing;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * mini-broker in a Docker container (the image built from {@code mini-broker/Dockerfile}). Like
 * Testcontainers' KafkaContainer, it starts the broker only once the mapped port is known, so that
 * the address it advertises to clients is the one they can reach from the host. A node of a {@link
 * MiniBrokerContainerCluster} advertises the gateway of the cluster's network instead (see there).
 */
public class MiniBrokerContainer extends GenericContainer<MiniBrokerContainer> {

  public static final DockerImageName DEFAULT_IMAGE =
      DockerImageName.parse("eventshop/mini-broker:latest");
  static final int PORT = 9092;
  private static final String STARTER = "/tmp/mini-broker-advertised";

  /** The network of the cluster this node belongs to, or null for a single broker. */
  private Network clusterNetwork;

  private String advertisedHost;

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

  /** Makes this container node {@code id} of a cluster whose nodes share {@code network}. */
  MiniBrokerContainer asClusterNode(int id, Network network, Map<String, String> brokerEnv) {
    clusterNetwork = network;
    withNetwork(network);
    withNetworkAliases(MiniBrokerContainerCluster.alias(id));
    withEnv("KAFKA_NODE_ID", String.valueOf(id));
    withEnv(brokerEnv);
    return this;
  }

  @Override
  protected void containerIsStarting(InspectContainerResponse containerInfo) {
    advertisedHost = clusterNetwork == null ? getHost() : gateway(containerInfo);
    // The entrypoint waits for this file, then starts the broker with these overrides.
    String overrides = "advertised.listeners=PLAINTEXT://" + getBootstrapServers() + "\n";
    copyFileToContainer(Transferable.of(overrides), STARTER);
  }

  /** The gateway of the cluster's network: the Docker host as the containers see it. */
  private String gateway(InspectContainerResponse containerInfo) {
    return containerInfo.getNetworkSettings().getNetworks().values().stream()
        .filter(n -> clusterNetwork.getId().equals(n.getNetworkID()))
        .map(ContainerNetwork::getGateway)
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("the container is not on the cluster's network"));
  }

  /** host:port for {@code bootstrap.servers}, reachable from the test JVM. */
  public String getBootstrapServers() {
    return (advertisedHost != null ? advertisedHost : getHost()) + ":" + getMappedPort(PORT);
  }
}
