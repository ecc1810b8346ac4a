package dev.eventshop.broker.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.testcontainers.containers.Network;
import org.testcontainers.lifecycle.Startable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * A mini-broker cluster in Docker: {@code nodes} {@link MiniBrokerContainer}s on one shared {@link
 * Network}, each a broker and a voter of the Raft metadata quorum, which they reach by their
 * network aliases ({@code broker-1:19092}, ...). Topics are replicated on {@code min(nodes, 3)}
 * nodes, as with {@code @MiniBroker(nodes = ...)}, its in-process twin. Usable as a
 * {@code @Container} field.
 *
 * <p>mini-broker has one listener, so one advertised address must serve both the test JVM and the
 * other nodes (followers fetch from the leader's advertised address). Each node advertises the
 * network's gateway with its mapped port: on Linux the gateway is an address of the Docker host
 * itself, reachable from the host and from the containers. Docker Desktop (macOS, Windows) does not
 * route the gateway to the host: there, use a single {@link MiniBrokerContainer}.
 */
public class MiniBrokerContainerCluster implements Startable {

  static final int RAFT_PORT = 19092;

  private final Network network = Network.newNetwork();
  private final List<MiniBrokerContainer> nodes = new ArrayList<>();

  public MiniBrokerContainerCluster(int nodes, DockerImageName image) {
    this(nodes, () -> new MiniBrokerContainer(image));
  }

  /** An image still to be built, for example {@code new ImageFromDockerfile()...}, built once. */
  public MiniBrokerContainerCluster(int nodes, Future<String> image) {
    this(nodes, () -> new MiniBrokerContainer(image));
  }

  private MiniBrokerContainerCluster(int size, Supplier<MiniBrokerContainer> container) {
    if (size < 2) {
      throw new IllegalArgumentException("a cluster has at least 2 nodes, not " + size);
    }
    StringJoiner voters = new StringJoiner(",");
    for (int id = 1; id <= size; id++) {
      voters.add(id + "@" + alias(id) + ":" + RAFT_PORT);
    }
    int replicationFactor = Math.min(size, 3);
    Map<String, String> env =
        Map.of(
            "KAFKA_CONTROLLER_QUORUM_VOTERS", voters.toString(),
            "KAFKA_DEFAULT_REPLICATION_FACTOR", String.valueOf(replicationFactor),
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", String.valueOf(replicationFactor),
            "KAFKA_MIN_INSYNC_REPLICAS", String.valueOf(Math.max(1, replicationFactor - 1)));
    for (int id = 1; id <= size; id++) {
      nodes.add(container.get().asClusterNode(id, network, env));
    }
  }

  /** The network alias of node {@code id}. */
  static String alias(int id) {
    return "broker-" + id;
  }

  /** Starts every node at once: each becomes ready only when the quorum has a majority. */
  @Override
  public void start() {
    Startables.deepStart(nodes).join();
  }

  @Override
  public void stop() {
    try {
      nodes.forEach(MiniBrokerContainer::stop);
    } finally {
      network.close();
    }
  }

  /** The nodes, node {@code id} at index {@code id - 1}. */
  public List<MiniBrokerContainer> getNodes() {
    return List.copyOf(nodes);
  }

  /** host:port of every node, comma-separated, for {@code bootstrap.servers}. */
  public String getBootstrapServers() {
    return nodes.stream()
        .map(MiniBrokerContainer::getBootstrapServers)
        .collect(Collectors.joining(","));
  }
}
