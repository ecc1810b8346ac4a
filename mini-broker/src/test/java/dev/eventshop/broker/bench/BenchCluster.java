package dev.eventshop.broker.bench;

import static dev.eventshop.broker.bench.BenchProcesses.CLASSPATH;
import static dev.eventshop.broker.bench.BenchProcesses.JAVA;

import dev.eventshop.broker.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;

/**
 * One to N broker processes of mini-broker or of Apache Kafka (KRaft, each node broker and
 * controller, as mini-broker's nodes are), started together on loopback ports, with each node's
 * command kept so that a killed node can be started again. Node ids are 1..N.
 */
final class BenchCluster implements AutoCloseable {

  /**
   * The JVM options docs/broker.md recommends for mini-broker: a 256 MB heap, the serial collector
   * and the class-data-sharing archive the build writes beside the jar.
   */
  static final List<String> MINI_BROKER_JVM =
      List.of(
          "-Xmx256m",
          "-XX:+UseSerialGC",
          "-XX:SharedArchiveFile=mini-broker/target/mini-broker.jsa");

  /** The JVM options of Apache Kafka's own start script. */
  static final List<String> KAFKA_JVM =
      List.of("-Xmx1G", "-Xms1G", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20");

  final String name;
  final String bootstrap;
  final long readyMs;
  private final List<List<String>> commands;
  private final List<Process> nodes;

  private BenchCluster(
      String name,
      String bootstrap,
      long readyMs,
      List<List<String>> commands,
      List<Process> nodes) {
    this.name = name;
    this.bootstrap = bootstrap;
    this.readyMs = readyMs;
    this.commands = commands;
    this.nodes = nodes;
  }

  /**
   * Starts {@code n} mini-broker nodes; ready when every node has printed its ready line. One node
   * runs alone; several form a cluster with replication factor min(n, 3).
   */
  static BenchCluster miniBroker(Path work, int n, List<String> jvmOptions) throws Exception {
    Files.createDirectories(work);
    int[] ports = FreePorts.take(2 * n);
    String voters = voters(ports, n);
    List<List<String>> commands = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> props =
          new ArrayList<>(
              List.of(
                  "node.id=" + (i + 1),
                  "listeners=PLAINTEXT://127.0.0.1:" + ports[i],
                  "log.dirs=" + work.resolve("mini-logs-" + (i + 1)),
                  // As for Apache Kafka below: a new group forms at once, not after 3 s.
                  "group.initial.rebalance.delay.ms=0"));
      if (n > 1) {
        props.addAll(clusterProperties(n));
        props.add("controller.quorum.voters=" + voters);
      }
      Path config = work.resolve("mini-broker-" + (i + 1) + ".properties");
      Files.writeString(config, String.join("\n", props) + "\n");
      List<String> command = new ArrayList<>(List.of(JAVA));
      command.addAll(jvmOptions);
      command.addAll(List.of("-jar", "mini-broker/target/mini-broker.jar", config.toString()));
      commands.add(command);
    }
    long start = System.nanoTime();
    List<Process> nodes = new ArrayList<>();
    for (List<String> command : commands) {
      nodes.add(new ProcessBuilder(command).redirectErrorStream(true).start());
    }
    // Every node's output is read from the start: a node whose pipe filled up while another was
    // awaited would block writing its log, and the quorum with it.
    List<CompletableFuture<Void>> ready = nodes.stream().map(BenchCluster::readyLine).toList();
    try {
      CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
    } catch (Exception e) {
      for (Process node : nodes) {
        BenchProcesses.stop(node);
      }
      throw e;
    }
    long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new BenchCluster("mini-broker", bootstrap(ports, n), readyMs, commands, nodes);
  }

  /**
   * Formats and starts {@code n} Apache Kafka nodes (KRaft combined mode) with the JVM options of
   * Kafka's start script; ready when the cluster answers describeCluster with all {@code n} nodes.
   */
  static BenchCluster apacheKafka(Path work, int n) throws Exception {
    Files.createDirectories(work);
    int[] ports = FreePorts.take(2 * n);
    String voters = voters(ports, n);
    List<List<String>> commands = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> props =
          new ArrayList<>(
              List.of(
                  "process.roles=broker,controller",
                  "node.id=" + (i + 1),
                  "controller.quorum.voters=" + voters,
                  "listeners=PLAINTEXT://127.0.0.1:"
                      + ports[i]
                      + ",CONTROLLER://127.0.0.1:"
                      + ports[n + i],
                  "advertised.listeners=PLAINTEXT://127.0.0.1:" + ports[i],
                  "controller.listener.names=CONTROLLER",
                  "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                  "log.dirs=" + work.resolve("kafka-logs-" + (i + 1)),
                  "transaction.state.log.replication.factor=" + Math.min(n, 3),
                  "transaction.state.log.min.isr=1",
                  "group.initial.rebalance.delay.ms=0"));
      props.addAll(clusterProperties(n));
      Path config = work.resolve("kafka-" + (i + 1) + ".properties");
      Files.writeString(config, String.join("\n", props) + "\n");
      format(config);
      List<String> command = new ArrayList<>(List.of(JAVA));
      command.addAll(KAFKA_JVM);
      command.addAll(List.of("-cp", CLASSPATH, "kafka.Kafka", config.toString()));
      commands.add(command);
    }
    long start = System.nanoTime();
    List<Process> nodes = new ArrayList<>();
    for (List<String> command : commands) {
      Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
      BenchProcesses.drain(BenchProcesses.output(node));
      nodes.add(node);
    }
    String bootstrap = bootstrap(ports, n);
    awaitNodes(bootstrap, n);
    long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new BenchCluster("Apache Kafka", bootstrap, readyMs, commands, nodes);
  }

  /** Replication defaults for an n-node cluster: RF min(n, 3), one replica may be down. */
  private static List<String> clusterProperties(int n) {
    int rf = Math.min(n, 3);
    return List.of(
        "default.replication.factor=" + rf,
        "offsets.topic.replication.factor=" + rf,
        "min.insync.replicas=" + Math.max(1, rf - 1));
  }

  private static void format(Path config) throws Exception {
    Process format =
        new ProcessBuilder(
                JAVA,
                "-cp",
                CLASSPATH,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                "bench-cluster-0000000001",
                "-c",
                config.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(format.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!format.waitFor(2, TimeUnit.MINUTES) || format.exitValue() != 0) {
      throw new IllegalStateException("kafka-storage format failed: " + out);
    }
  }

  /** Node i + 1 listens for clients on ports[i] and for its quorum on ports[n + i]. */
  private static String voters(int[] ports, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> (i + 1) + "@127.0.0.1:" + ports[n + i])
        .collect(Collectors.joining(","));
  }

  private static String bootstrap(int[] ports, int n) {
    return IntStream.range(0, n)
        .mapToObj(i -> "127.0.0.1:" + ports[i])
        .collect(Collectors.joining(","));
  }

  /** Completes at the node's ready line; its output is read (and dropped) until it ends. */
  private static CompletableFuture<Void> readyLine(Process node) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out = BenchProcesses.output(node)) {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.contains(" ready on ")) {
                    ready.complete(null);
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              ready.completeExceptionally(
                  new IllegalStateException("mini-broker exited before it was ready"));
            });
    reader.setDaemon(true);
    reader.start();
    return ready;
  }

  private static void awaitNodes(String bootstrap, int n) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    try (Admin admin = Admin.create(props)) {
      while (System.nanoTime() < deadline) {
        try {
          if (admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == n) {
            return;
          }
        } catch (Exception notYet) {
          // keep waiting
        }
        Thread.sleep(20);
      }
    }
    throw new IllegalStateException("Apache Kafka was not ready with " + n + " nodes in 2 minutes");
  }

  Process node(int nodeId) {
    return nodes.get(nodeId - 1);
  }

  /** SIGKILLs a node. */
  void kill(int nodeId) throws InterruptedException {
    node(nodeId).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts a stopped node again with its own command and data. */
  void restart(int nodeId) throws Exception {
    Process node = new ProcessBuilder(commands.get(nodeId - 1)).redirectErrorStream(true).start();
    BenchProcesses.drain(BenchProcesses.output(node));
    nodes.set(nodeId - 1, node);
  }

  /** The sum over the running nodes of each one's peak resident memory, in MB. */
  long peakRssMb() {
    long kb = 0;
    for (Process node : nodes) {
      kb += peakRssKbOf(node);
    }
    return kb / 1024;
  }

  private static long peakRssKbOf(Process node) {
    try {
      return BenchProcesses.peakRssKb(node.pid());
    } catch (java.io.IOException gone) {
      return 0;
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process node : nodes) {
      BenchProcesses.stop(node);
    }
  }
}
