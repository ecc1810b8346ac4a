package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.FreePorts;
import dev.eventshop.broker.server.BrokerProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * A cluster of broker processes for fault tests: every node is a broker and a Raft voter (unless
 * started as a broker-only node, {@code process.roles=broker}), started as users start it ({@link
 * BrokerProcess}), on its own ports and log directory. A node keeps its ports and directory across
 * {@link #kill}, {@link #stop} and {@link #restart}, so a restarted broker is the same broker.
 * {@link #close()} kills every process still running, also when the test failed.
 */
final class ProcessCluster implements AutoCloseable {

  private final Path dir;
  private final Map<Integer, String> configs = new TreeMap<>();
  private final Map<Integer, Integer> clientPorts = new TreeMap<>();
  private final Map<Integer, Integer> secondPorts = new TreeMap<>();
  private final Map<Integer, BrokerProcess> running = new ConcurrentHashMap<>();
  private Admin admin;

  private ProcessCluster(Path dir) {
    this.dir = dir;
  }

  /**
   * Starts {@code size} nodes (ids 1..size) together and waits until each is ready.
   *
   * @param extraProperties broker properties for every node, e.g. {@code "min.insync.replicas=2"};
   *     in each node's copy {@code {port}} is its client port, {@code {raftPort}} its port in the
   *     quorum and {@code {port2}} one more free port of its own
   */
  static ProcessCluster start(Path dir, int size, String... extraProperties) throws Exception {
    return start(dir, size, 0, extraProperties);
  }

  /**
   * Starts {@code voters} nodes that are brokers and voters (ids 1..voters) and {@code brokersOnly}
   * broker-only nodes after them, together, and waits until each is ready.
   */
  static ProcessCluster start(Path dir, int voters, int brokersOnly, String... extraProperties)
      throws Exception {
    return start(dir, 0, voters, brokersOnly, extraProperties);
  }

  /**
   * Starts {@code controllersOnly} controller-only nodes ({@code process.roles=controller}, ids
   * from 1), {@code combined} nodes that are brokers and voters, and {@code brokersOnly}
   * broker-only nodes after them, together, and waits until each is ready. The voters are the first
   * two groups; clients bootstrap from the brokers.
   */
  static ProcessCluster start(
      Path dir, int controllersOnly, int combined, int brokersOnly, String... extraProperties)
      throws Exception {
    int voters = controllersOnly + combined;
    int size = voters + brokersOnly;
    System.out.printf(
        "cluster of %d nodes (%d controller-only, %d broker-only); their logs: %s%n",
        size, controllersOnly, brokersOnly, dir);
    ProcessCluster cluster = new ProcessCluster(dir);
    int[] ports = FreePorts.take(3 * size);
    String quorum =
        IntStream.rangeClosed(1, voters)
            .mapToObj(id -> id + "@127.0.0.1:" + ports[size + id - 1])
            .collect(Collectors.joining(","));
    for (int id = 1; id <= size; id++) {
      cluster.secondPorts.put(id, ports[2 * size + id - 1]);
      List<String> lines = new ArrayList<>();
      lines.add("node.id=" + id);
      if (id <= controllersOnly) {
        lines.add("process.roles=controller");
        lines.add("listeners=CONTROLLER://127.0.0.1:" + ports[size + id - 1]);
        lines.add("controller.listener.names=CONTROLLER");
        lines.add("listener.security.protocol.map=CONTROLLER:PLAINTEXT");
      } else {
        if (id > voters) {
          lines.add("process.roles=broker");
        }
        cluster.clientPorts.put(id, ports[id - 1]);
        lines.add("listeners=PLAINTEXT://127.0.0.1:" + ports[id - 1]);
      }
      lines.add("controller.quorum.voters=" + quorum);
      lines.add("log.dirs=" + dir.resolve("broker-" + id));
      lines.add("default.replication.factor=3");
      lines.add("offsets.topic.replication.factor=3");
      lines.add("offsets.topic.num.partitions=3");
      lines.add("transaction.state.log.replication.factor=3");
      lines.add("transaction.state.log.num.partitions=3");
      lines.add("transaction.state.log.min.isr=2");
      lines.add("min.insync.replicas=2");
      lines.add("replica.lag.time.max.ms=5000");
      lines.add("group.initial.rebalance.delay.ms=0");
      for (String extra : extraProperties) {
        lines.add(
            extra
                .replace("{port}", String.valueOf(ports[id - 1]))
                .replace("{raftPort}", String.valueOf(ports[size + id - 1]))
                .replace("{port2}", String.valueOf(ports[2 * size + id - 1])));
      }
      cluster.configs.put(id, String.join("\n", lines) + "\n");
    }
    try {
      cluster.startAll();
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** The extra port reserved for node {@code id} ({@code {port2}} in its properties). */
  int secondPort(int id) {
    return secondPorts.get(id);
  }

  List<Integer> ids() {
    return List.copyOf(configs.keySet());
  }

  /** Every node's address, running or not: clients skip the ones that do not answer. */
  String bootstrap() {
    return clientPorts.values().stream()
        .map(port -> "127.0.0.1:" + port)
        .collect(Collectors.joining(","));
  }

  /** One node's address alone: a client that knows only this broker. */
  String bootstrap(int id) {
    return "127.0.0.1:" + clientPorts.get(id);
  }

  /** Starts every node that is not running, together (each waits for the quorum to be ready). */
  void startAll() throws Exception {
    Map<Integer, BrokerProcess.Launched> launched = new TreeMap<>();
    for (int id : ids()) {
      if (!running.containsKey(id)) {
        launched.put(id, BrokerProcess.launch(dir, configs.get(id)));
      }
    }
    Exception failure = null;
    for (Map.Entry<Integer, BrokerProcess.Launched> l : launched.entrySet()) {
      try {
        running.put(l.getKey(), l.getValue().await()); // a failed await kills its own process
      } catch (Exception e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** SIGKILL: the node dies at once, with nothing flushed. */
  void kill(int id) throws InterruptedException {
    BrokerProcess broker = running.remove(id);
    assertThat(broker).as("broker %d running", id).isNotNull();
    broker.kill();
  }

  /** SIGTERM: a graceful shutdown; returns the stopped process (to read what it printed). */
  BrokerProcess stop(int id) throws InterruptedException {
    BrokerProcess broker = running.remove(id);
    assertThat(broker).as("broker %d running", id).isNotNull();
    broker.stop();
    return broker;
  }

  /** SIGTERM to every running node at once; waits until all have exited. */
  void stopAll() {
    List<CompletableFuture<Integer>> exits = new ArrayList<>();
    for (int id : ids()) {
      BrokerProcess broker = running.remove(id);
      if (broker != null) {
        exits.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return broker.stop();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                  }
                }));
      }
    }
    exits.forEach(CompletableFuture::join);
  }

  /** Starts a stopped or killed node again, with its old ports and log directory. */
  void restart(int id) throws Exception {
    assertThat(running).as("broker %d must be down to restart", id).doesNotContainKey(id);
    running.put(id, BrokerProcess.start(dir, configs.get(id)));
  }

  boolean isRunning(int id) {
    return running.containsKey(id);
  }

  /** One Admin client for the test, closed with the cluster. */
  synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(Clients.properties(bootstrap(), "default.api.timeout.ms=20000"));
    }
    return admin;
  }

  /** Creates a topic and waits until every partition has a leader and all replicas in sync. */
  void createTopic(String topic, int partitions, int replicationFactor, Map<String, String> configs)
      throws Exception {
    admin()
        .createTopics(
            List.of(new NewTopic(topic, partitions, (short) replicationFactor).configs(configs)))
        .all()
        .get(30, TimeUnit.SECONDS);
    for (int p = 0; p < partitions; p++) {
      awaitPartition(
          topic,
          p,
          "a leader and " + replicationFactor + " in sync",
          info -> info.leader() != null && info.isr().size() == replicationFactor);
    }
    awaitReplicasHosted(topic);
  }

  /**
   * Waits until every running replica of {@code topic} exists on its broker (its log directories
   * list it). Brokers apply new metadata at slightly different times: a produce that reaches a
   * leader still without the topic is refused, and an idempotent producer's next batch, pipelined
   * behind it, may then be taken first (as a new producer may start anywhere), leaving the retried
   * first batch out of order for good.
   */
  void awaitReplicasHosted(String topic) {
    org.awaitility.Awaitility.await("every replica of " + topic + " hosted by its broker")
        .atMost(java.time.Duration.ofSeconds(30))
        .pollInterval(java.time.Duration.ofMillis(100))
        .until(
            () -> {
              // The running brokers (controller-only nodes host no replicas).
              List<Integer> up =
                  admin().describeCluster().nodes().get(10, TimeUnit.SECONDS).stream()
                      .map(Node::id)
                      .filter(running::containsKey)
                      .toList();
              Map<Integer, Map<String, org.apache.kafka.clients.admin.LogDirDescription>> dirs =
                  admin().describeLogDirs(up).allDescriptions().get(10, TimeUnit.SECONDS);
              for (TopicPartitionInfo p : describe(topic).partitions()) {
                for (Node replica : p.replicas()) {
                  if (!up.contains(replica.id())) {
                    continue;
                  }
                  org.apache.kafka.common.TopicPartition tp =
                      new org.apache.kafka.common.TopicPartition(topic, p.partition());
                  boolean hosted =
                      dirs.getOrDefault(replica.id(), Map.of()).values().stream()
                          .anyMatch(d -> d.replicaInfos().containsKey(tp));
                  if (!hosted) {
                    return false;
                  }
                }
              }
              return true;
            });
  }

  TopicDescription describe(String topic) throws Exception {
    return admin()
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get(20, TimeUnit.SECONDS)
        .get(topic);
  }

  TopicPartitionInfo partition(String topic, int partition) throws Exception {
    return describe(topic).partitions().get(partition);
  }

  /**
   * One round of chaos: after 1-4 s SIGKILLs a random node, restarts it 0.5-3 s later and waits
   * until it is back in the ISR of every partition of {@code topic} (3 replicas). The next kill
   * must not find two nodes down, or the metadata quorum would stop.
   *
   * @return the node killed
   */
  int killOneAtRandomAndRestart(java.util.Random random, String topic, int partitions)
      throws Exception {
    Thread.sleep(1_000 + random.nextInt(3_000));
    int victim = ids().get(random.nextInt(ids().size()));
    System.out.printf("chaos: killing broker %d%n", victim);
    kill(victim);
    Thread.sleep(500 + random.nextInt(2_500));
    restart(victim);
    for (int p = 0; p < partitions; p++) {
      awaitPartition(topic, p, "3 in sync", i -> i.isr().size() == 3);
    }
    return victim;
  }

  /**
   * Waits (at most 90 s) until Admin describeTopics shows {@code condition} for the partition, and
   * returns what it showed. Describe failures while brokers come and go count as "not yet".
   */
  TopicPartitionInfo awaitPartition(
      String topic, int partition, String what, Predicate<TopicPartitionInfo> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    TopicPartitionInfo last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = partition(topic, partition);
        if (condition.test(last)) {
          return last;
        }
      } catch (Exception e) {
        // leadership or the controller is moving; ask again
      }
      Thread.sleep(200);
    }
    throw new AssertionError(topic + "-" + partition + " never had " + what + "; last: " + last);
  }

  /** The broker ids of {@code nodes} (a partition's replicas or ISR), in order. */
  static List<Integer> idsOf(List<Node> nodes) {
    return nodes.stream().map(Node::id).toList();
  }

  static int leaderOf(TopicPartitionInfo info) {
    return info.leader() == null ? -1 : info.leader().id();
  }

  /** What a broker printed so far (for a failure message). */
  List<String> output(int id) {
    BrokerProcess broker = running.get(id);
    return broker == null ? List.of() : broker.output();
  }

  @Override
  public void close() throws InterruptedException {
    if (admin != null) {
      admin.close(java.time.Duration.ofSeconds(5));
    }
    for (BrokerProcess broker : running.values()) {
      broker.close();
    }
    running.clear();
  }
}
