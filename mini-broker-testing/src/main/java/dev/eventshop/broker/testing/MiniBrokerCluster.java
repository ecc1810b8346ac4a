package dev.eventshop.broker.testing;

import dev.eventshop.broker.server.Broker;
import dev.eventshop.broker.server.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * mini-broker running in this JVM for tests: one node, or a cluster of nodes that are all brokers
 * and voters of one Raft metadata quorum, each with its own client port, Raft port and log
 * directory. Nodes can be stopped (controlled shutdown), killed (no controlled shutdown, as a
 * crash) and started again on the same port with the same data. Created by {@link
 * MiniBrokerExtension}, or directly with {@link #start(int, Map)} in tests that manage it
 * themselves.
 *
 * <p>In a cluster, auto-created topics and {@code __consumer_offsets} are replicated on {@code
 * min(nodes, 3)} nodes and acks=all needs one replica fewer ({@code min.insync.replicas}), so one
 * node may fail. Not thread-safe: one test drives it.
 */
public final class MiniBrokerCluster implements AutoCloseable {

  /** Longest wait for nodes to start; a cluster node waits for the quorum's other voters. */
  private static final long START_TIMEOUT_SECONDS = 180;

  private final Path dataDir;

  /** Per node (index = node id - 1): its properties, listener port fixed after the first start. */
  private final List<Map<String, String>> nodeProperties;

  private final Broker[] brokers;

  private MiniBrokerCluster(Path dataDir, List<Map<String, String>> nodeProperties) {
    this.dataDir = dataDir;
    this.nodeProperties = nodeProperties;
    this.brokers = new Broker[nodeProperties.size()];
  }

  /** Starts one broker with these extra properties (Kafka's names) on a free loopback port. */
  public static MiniBrokerCluster start(Map<String, String> extra) {
    return start(1, extra);
  }

  /**
   * Starts {@code nodes} brokers on free loopback ports, concurrently (each waits for the quorum),
   * with these extra properties (Kafka's names) applied to every node last.
   */
  public static MiniBrokerCluster start(int nodes, Map<String, String> extra) {
    if (nodes < 1) {
      throw new IllegalArgumentException("a cluster has at least one node, not " + nodes);
    }
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("mini-broker-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String voters = nodes == 1 ? "" : quorumVoters(nodes);
    int replicationFactor = Math.min(nodes, 3);
    List<Map<String, String>> all = new ArrayList<>();
    for (int id = 1; id <= nodes; id++) {
      Map<String, String> props = new LinkedHashMap<>();
      props.put("node.id", String.valueOf(id));
      props.put("listeners", "PLAINTEXT://127.0.0.1:0");
      props.put("log.dirs", dataDir.resolve("node-" + id).toString());
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("offsets.topic.num.partitions", "5");
      if (nodes > 1) {
        props.put("controller.quorum.voters", voters);
        props.put("default.replication.factor", String.valueOf(replicationFactor));
        props.put("offsets.topic.replication.factor", String.valueOf(replicationFactor));
        props.put("min.insync.replicas", String.valueOf(Math.max(1, replicationFactor - 1)));
      }
      props.putAll(extra);
      all.add(props);
    }
    MiniBrokerCluster cluster = new MiniBrokerCluster(dataDir, all);
    try {
      cluster.startConcurrently(IntStream.rangeClosed(1, nodes).toArray());
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** {@code 1@127.0.0.1:p1,2@127.0.0.1:p2,...} on distinct free ports. */
  private static String quorumVoters(int nodes) {
    List<Integer> ports = FreePorts.choose(nodes);
    StringJoiner voters = new StringJoiner(",");
    for (int id = 1; id <= nodes; id++) {
      voters.add(id + "@127.0.0.1:" + ports.get(id - 1));
    }
    return voters.toString();
  }

  /** The number of nodes, running or not. */
  public int size() {
    return brokers.length;
  }

  /** host:port of every node, comma-separated, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    StringJoiner servers = new StringJoiner(",");
    for (int id = 1; id <= size(); id++) {
      servers.add(bootstrapServers(id));
    }
    return servers.toString();
  }

  /** host:port of one node (ids from 1), whether it runs or not. */
  public String bootstrapServers(int nodeId) {
    return listener(nodeId).replace("PLAINTEXT://", "");
  }

  /** Whether this node is running. */
  public boolean isRunning(int nodeId) {
    return brokers[index(nodeId)] != null;
  }

  /** Stops a node with a controlled shutdown: its leaderships move to other in-sync replicas. */
  public void stop(int nodeId) {
    Broker broker = running(nodeId);
    brokers[index(nodeId)] = null;
    broker.close();
  }

  /**
   * Stops a node as a crash would: no controlled shutdown, so its leaderships move only once the
   * quorum fences it for missed heartbeats ({@code broker.session.timeout.ms}).
   */
  public void kill(int nodeId) {
    Broker broker = running(nodeId);
    brokers[index(nodeId)] = null;
    broker.halt();
  }

  /** Starts a stopped node again on its port with its data; returns once it is registered. */
  public void start(int nodeId) {
    if (isRunning(nodeId)) {
      throw new IllegalStateException("node " + nodeId + " is already running");
    }
    startConcurrently(nodeId);
  }

  /** Stops every node and starts them again, on the same ports with the same data. */
  public void restart() {
    for (int id = 1; id <= size(); id++) {
      if (isRunning(id)) {
        stop(id);
      }
    }
    startConcurrently(IntStream.rangeClosed(1, size()).toArray());
  }

  /** Stops every running node and deletes the data. */
  @Override
  public void close() {
    // Every node is stopped even when one fails to; the first failure is thrown with the others
    // suppressed, once the data is deleted.
    RuntimeException failure = null;
    for (int id = 1; id <= size(); id++) {
      if (isRunning(id)) {
        try {
          stop(id);
        } catch (RuntimeException e) {
          failure = addTo(failure, e);
        }
      }
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      failure = addTo(failure, new UncheckedIOException(e));
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static RuntimeException addTo(RuntimeException first, RuntimeException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  /**
   * Starts these nodes each on its own thread: a node of a cluster returns from start only once the
   * quorum, which needs a majority of the voters, has registered it.
   */
  private void startConcurrently(int... nodeIds) {
    ExecutorService starters = Executors.newFixedThreadPool(nodeIds.length);
    try {
      Map<Integer, Future<Broker>> starting = new LinkedHashMap<>();
      for (int id : nodeIds) {
        BrokerConfig config = BrokerConfig.of(nodeProperties.get(index(id)));
        starting.put(id, starters.submit(() -> new Broker(config).start()));
      }
      RuntimeException failure = null;
      for (Map.Entry<Integer, Future<Broker>> node : starting.entrySet()) {
        try {
          started(node.getKey(), node.getValue().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
          failure = failure != null ? failure : failedToStart(node.getKey(), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = failure != null ? failure : failedToStart(node.getKey(), e);
        }
      }
      if (failure != null) {
        closeLateStarters(starters, starting);
        throw failure;
      }
    } finally {
      starters.shutdownNow();
    }
  }

  /**
   * After a failed start, closes the nodes whose start returned only once given up on: interrupted
   * while waiting for the quorum, a node serves anyway, and would keep its ports and threads.
   */
  private void closeLateStarters(ExecutorService starters, Map<Integer, Future<Broker>> starting) {
    starters.shutdownNow();
    try {
      starters.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    starting.forEach(
        (id, start) -> {
          if (!isRunning(id) && start.isDone() && !start.isCancelled()) {
            try {
              start.get().close();
            } catch (ExecutionException | InterruptedException e) {
              // it did not start: nothing to close
            }
          }
        });
  }

  /** Records a started node and fixes its listener port, so a restart keeps its address. */
  private void started(int nodeId, Broker broker) {
    brokers[index(nodeId)] = broker;
    nodeProperties.get(index(nodeId)).put("listeners", "PLAINTEXT://" + broker.bootstrapServers());
  }

  private static IllegalStateException failedToStart(int nodeId, Exception e) {
    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
    return new IllegalStateException(
        "mini-broker node " + nodeId + " did not start: " + cause, cause);
  }

  private String listener(int nodeId) {
    return nodeProperties.get(index(nodeId)).get("listeners");
  }

  private Broker running(int nodeId) {
    Broker broker = brokers[index(nodeId)];
    if (broker == null) {
      throw new IllegalStateException("node " + nodeId + " is not running");
    }
    return broker;
  }

  private int index(int nodeId) {
    if (nodeId < 1 || nodeId > brokers.length) {
      throw new IllegalArgumentException(
          "no node " + nodeId + ": the nodes are 1 to " + brokers.length);
    }
    return nodeId - 1;
  }
}
