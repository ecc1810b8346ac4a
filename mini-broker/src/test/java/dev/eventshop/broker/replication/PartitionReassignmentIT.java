package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.compat.ChildProcess;
import dev.eventshop.broker.compat.KafkaTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's {@code kafka-reassign-partitions.sh} against three broker processes:
 *
 * <ul>
 *   <li>a partition on two brokers moves to the third while an acks=all producer keeps writing and
 *       one of the two is down: {@code --execute}, then {@code --verify} until it reports the move
 *       complete. The third broker leads it alone, the old replica that was up deleted its copy,
 *       the one that was down sets its copy aside as a stray replica when it starts again, and a
 *       checking consumer finds every acknowledged record once and in order, so the copy was
 *       complete;
 *   <li>a move to a broker that is down (asked through Admin: the tool refuses brokers that are not
 *       alive) cannot finish: {@code --list}, {@code --verify}, {@code kafka-topics.sh --describe}
 *       and Admin show it in progress, {@code --cancel} returns the partition to its replicas.
 * </ul>
 */
class PartitionReassignmentIT {

  static final String TOPIC = "moving";
  static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  static final Path OUTPUT = ChildProcess.outputDir(PartitionReassignmentIT.class);
  static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void toolMovesAPartitionUnderLoadAndCancelsAMoveThatCannotFinish() throws Exception {
    try (ProcessCluster cluster =
        ProcessCluster.start(dir, 3, "auto.leader.rebalance.enable=false")) {
      cluster.createTopic(TOPIC, 1, 2, Map.of("min.insync.replicas", "1"));
      List<Integer> before = idsOf(cluster.partition(TOPIC, 0).replicas());
      int newcomer = cluster.ids().stream().filter(id -> !before.contains(id)).findFirst().get();

      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(cluster.bootstrap(), TOPIC, 1)) {
        producer.awaitMoreAcks(2_000);
        // One old replica is down during the move: its copy is a stray when it returns.
        int absent = before.get(1);
        cluster.kill(absent);
        // Once complete, --verify clears throttles on every broker describeCluster lists, and
        // waits for one that is down but not yet fenced (against Kafka too).
        awaitFenced(cluster, absent);
        Path plan = plan("move", List.of(newcomer));
        assertThat(tool(cluster, plan, "--execute").stdout())
            .contains("Successfully started partition reassignment");
        awaitVerified(cluster, plan);

        TopicPartitionInfo moved =
            cluster.awaitPartition(
                TOPIC,
                0,
                "only replica " + newcomer,
                p -> idsOf(p.replicas()).equals(List.of(newcomer)));
        assertThat(leaderOf(moved)).isEqualTo(newcomer);
        assertThat(idsOf(moved.isr())).containsExactly(newcomer);
        producer.awaitMoreAcks(1_000);
        producer.stopSending();

        await("broker " + before.get(0) + " deletes its copy")
            .atMost(Duration.ofSeconds(30))
            .until(() -> !Files.exists(partitionDir(before.get(0))));
        assertThat(partitionDir(absent)).isDirectory();
        cluster.restart(absent);
        await("broker " + absent + " sets its copy aside as a stray replica")
            .atMost(Duration.ofSeconds(30))
            .until(() -> !Files.exists(partitionDir(absent)));
        assertThat(cluster.output(absent)).anyMatch(line -> line.contains("stray replica"));
        try (Stream<Path> files = Files.list(dir.resolve("broker-" + absent))) {
          assertThat(files.map(f -> f.getFileName().toString()))
              .anyMatch(name -> name.startsWith(TOPIC + "-0.") && name.endsWith("-stray"));
        }
        assertThat(partitionDir(newcomer)).isDirectory();
        Map<Long, String> records = CheckingConsumer.readAll(cluster.bootstrap(), TP);
        CheckingConsumer.assertOnceInOrder(TP, records, producer.acknowledged(0));
        assertThat(records).hasSizeGreaterThanOrEqualTo(3_000);
      }

      // A throttled move (--throttle, Kafka's replication quotas): the new replica gets one
      // fetch's worth (1 MiB, replica.fetch.max.bytes) at once, then at most 10 kB/s, so 2 MiB
      // more cannot arrive in the seconds below; once the rates are lifted the move completes,
      // and --verify removes the throttles.
      int joining = before.get(1);
      try (KafkaProducer<byte[], byte[]> bulk =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        for (int i = 0; i < 3_000; i++) {
          bulk.send(new ProducerRecord<>(TOPIC, new byte[1024]));
        }
        bulk.flush();
      }
      Path throttled = plan("throttled", List.of(newcomer, joining));
      assertThat(tool(cluster, throttled, "--execute", "--throttle", "10000").stdout())
          .contains("The inter-broker throttle limit was set to 10000 B/s")
          .contains("Successfully started partition reassignment");
      await("the throttled move stays in progress")
          .during(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  cluster
                      .admin()
                      .listPartitionReassignments(Set.of(TP))
                      .reassignments()
                      .get(10, TimeUnit.SECONDS)
                      .containsKey(TP));
      assertThat(tool(cluster, throttled, "--verify").stdout()).contains("is still in progress");
      ConfigResource leaderBroker = new ConfigResource(ConfigResource.Type.BROKER, "" + newcomer);
      assertThat(
              cluster
                  .admin()
                  .describeConfigs(List.of(leaderBroker))
                  .all()
                  .get(10, TimeUnit.SECONDS)
                  .get(leaderBroker)
                  .get("leader.replication.throttled.rate")
                  .value())
          .isEqualTo("10000");
      for (int broker : List.of(newcomer, joining)) {
        cluster
            .admin()
            .incrementalAlterConfigs(
                Map.of(
                    new ConfigResource(ConfigResource.Type.BROKER, "" + broker),
                    List.of(
                        new AlterConfigOp(
                            new ConfigEntry("leader.replication.throttled.rate", ""),
                            AlterConfigOp.OpType.DELETE),
                        new AlterConfigOp(
                            new ConfigEntry("follower.replication.throttled.rate", ""),
                            AlterConfigOp.OpType.DELETE))))
            .all()
            .get(10, TimeUnit.SECONDS);
      }
      await("--verify reports the throttled move complete and removes the throttles")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> tool(cluster, throttled, "--verify").stdout(),
              said ->
                  said.contains("is completed")
                      && said.contains("Clearing topic-level throttles on topic " + TOPIC));
      ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
      Config topicConfig =
          cluster
              .admin()
              .describeConfigs(List.of(topic))
              .all()
              .get(10, TimeUnit.SECONDS)
              .get(topic);
      assertThat(topicConfig.get("leader.replication.throttled.replicas").value()).isEmpty();
      assertThat(topicConfig.get("follower.replication.throttled.replicas").value()).isEmpty();
      assertThat(idsOf(cluster.partition(TOPIC, 0).isr()))
          .containsExactlyInAnyOrder(newcomer, joining);
      Path back = plan("back", List.of(newcomer));
      assertThat(tool(cluster, back, "--execute").stdout())
          .contains("Successfully started partition reassignment");
      awaitVerified(cluster, back);

      // A move to a broker that is down waits for it; cancelling it returns to the old replicas.
      // The tool refuses brokers that describeCluster does not list (not alive), so the move is
      // asked through Admin, which takes any registered broker, as Kafka's controller does.
      int down = before.get(0);
      cluster.kill(down);
      awaitFenced(cluster, down);
      Path stuck = plan("stuck", List.of(newcomer, down));
      cluster
          .admin()
          .alterPartitionReassignments(
              Map.of(TP, Optional.of(new NewPartitionReassignment(List.of(newcomer, down)))))
          .all()
          .get(20, TimeUnit.SECONDS);
      assertThat(tool(cluster, null, "--list").stdout())
          .contains(TP.toString())
          .contains("adding: " + down);
      PartitionReassignment ongoing =
          cluster
              .admin()
              .listPartitionReassignments(Set.of(TP))
              .reassignments()
              .get(20, TimeUnit.SECONDS)
              .get(TP);
      assertThat(ongoing.replicas()).containsExactly(newcomer, down);
      assertThat(ongoing.addingReplicas()).containsExactly(down);
      assertThat(ongoing.removingReplicas()).isEmpty();
      assertThat(tool(cluster, stuck, "--verify").stdout()).contains("is still in progress");
      assertThat(
              KafkaTools.run(
                      OUTPUT,
                      TOOL_TIMEOUT,
                      KafkaTools.TOPIC_COMMAND,
                      "--bootstrap-server",
                      cluster.bootstrap(),
                      "--describe",
                      "--topic",
                      TOPIC)
                  .assertSucceeded()
                  .stdout())
          .as("kafka-topics.sh --describe shows the move in progress")
          .contains("Adding Replicas: " + down);

      // Without --preserve-throttles the tool would clear throttles on every broker of the plan,
      // and wait for the one that is down (against Kafka too).
      assertThat(tool(cluster, stuck, "--cancel", "--preserve-throttles").stdout())
          .contains("Successfully cancelled partition reassignment");
      cluster.awaitPartition(
          TOPIC, 0, "only replica " + newcomer, p -> idsOf(p.replicas()).equals(List.of(newcomer)));
      assertThat(
              cluster
                  .admin()
                  .listPartitionReassignments()
                  .reassignments()
                  .get(20, TimeUnit.SECONDS))
          .isEmpty();
      cluster.restart(down);
    }
  }

  /** A reassignment plan file in the tool's JSON format. */
  private Path plan(String name, List<Integer> replicas) throws Exception {
    String json =
        """
        {"version":1,"partitions":[{"topic":"%s","partition":0,"replicas":[%s]}]}
        """
            .formatted(
                TOPIC, replicas.stream().map(String::valueOf).collect(Collectors.joining(",")));
    return Files.writeString(dir.resolve(name + ".json"), json);
  }

  private Path partitionDir(int broker) {
    return dir.resolve("broker-" + broker).resolve(TOPIC + "-0");
  }

  private static ChildProcess.Finished tool(ProcessCluster cluster, Path plan, String... options) {
    List<String> args = new ArrayList<>(List.of("--bootstrap-server", cluster.bootstrap()));
    args.addAll(List.of(options));
    if (plan != null) {
      args.addAll(List.of("--reassignment-json-file", plan.toString()));
    }
    return KafkaTools.run(
            OUTPUT, TOOL_TIMEOUT, KafkaTools.REASSIGN_PARTITIONS, args.toArray(String[]::new))
        .assertSucceeded();
  }

  private static void awaitFenced(ProcessCluster cluster, int broker) {
    await("broker " + broker + " fenced")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> cluster.admin().describeCluster().nodes().get(10, TimeUnit.SECONDS),
            nodes -> nodes.stream().noneMatch(n -> n.id() == broker));
  }

  /** Runs {@code --verify} until it reports the reassignment complete (at most 90 s). */
  private static void awaitVerified(ProcessCluster cluster, Path plan) {
    await("--verify reports the reassignment complete")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> tool(cluster, plan, "--verify").stdout(),
            said -> said.contains("Reassignment of partition " + TP + " is completed"));
  }
}
