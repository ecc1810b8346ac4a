package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventshop.broker.FreePorts;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@link RaftMetadataStore}s in one JVM, talking Raft over loopback: registration, changes
 * from any node, loss of the leader, restarts.
 */
class RaftMetadataStoreIT {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final QuorumSettings SETTINGS =
      QuorumSettings.defaults()
          .withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(1500))
          .withPreferredLeaderCheckInterval(Duration.ofMillis(1000))
          .withRequestTimeout(Duration.ofSeconds(10))
          .withSnapshotThreshold(10);

  @TempDir Path tmp;
  final Map<Integer, InetSocketAddress> voters = new TreeMap<>();
  final Map<Integer, RaftMetadataStore> stores = new TreeMap<>();
  final Map<Integer, List<ClusterMetadata>> published = new TreeMap<>();

  static {
    // A Raft peer that cannot bind must fail this test, not end the test JVM with System.exit.
    org.apache.ratis.util.ExitUtils.disableSystemExit();
  }

  @BeforeEach
  void choosePorts() throws IOException {
    int[] ports = FreePorts.take(3);
    for (int id = 1; id <= 3; id++) {
      voters.put(id, new InetSocketAddress("127.0.0.1", ports[id - 1]));
    }
  }

  @AfterEach
  void stopAll() {
    stores.values().forEach(RaftMetadataStore::close);
  }

  RaftMetadataStore start(int id) throws IOException {
    Path dir = tmp.resolve("node-" + id);
    Files.createDirectories(dir);
    RaftMetadataStore store =
        new RaftMetadataStore(
            dir, id, Registrations.plaintext("broker-" + id, 9090 + id), voters, SETTINGS);
    List<ClusterMetadata> seen = new CopyOnWriteArrayList<>();
    published.put(id, seen);
    store.addListener(seen::add);
    store.start();
    stores.put(id, store);
    return store;
  }

  /** Starts the three nodes and waits until all are registered; returns how long that took. */
  Duration startAll() throws IOException {
    long started = System.nanoTime();
    for (int id = 1; id <= 3; id++) {
      start(id);
    }
    awaitAllRegisteredAndUnfenced();
    Duration ready = Duration.ofNanos(System.nanoTime() - started);
    System.out.printf(
        "3-node metadata quorum: registered, unfenced, controller elected %d ms after start%n",
        ready.toMillis());
    return ready;
  }

  void stop(int id) {
    long started = System.nanoTime();
    stores.remove(id).close();
    System.out.printf("node %d closed in %d ms%n", id, (System.nanoTime() - started) / 1_000_000);
  }

  void awaitAllRegisteredAndUnfenced() {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .untilAsserted(
            () -> {
              for (RaftMetadataStore store : stores.values()) {
                ClusterMetadata m = store.current();
                assertThat(m.liveBrokers()).hasSize(3);
                assertThat(m.controllerId()).isPositive();
                assertThat(m.clusterId()).isNotEmpty();
              }
            });
  }

  int controller() {
    return stores.values().iterator().next().current().controllerId();
  }

  void awaitSameMetadataEverywhere() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<ClusterMetadata> all = new ArrayList<>();
              stores.values().forEach(s -> all.add(s.current()));
              assertThat(all).allSatisfy(m -> assertThat(m).isEqualTo(all.get(0)));
            });
  }

  @Test
  void threeNodesRegisterElectAControllerAndAgreeOnATopicCreatedOnAFollower() throws Exception {
    startAll();

    int controller = controller();
    int follower = controller == 1 ? 2 : 1;
    TopicInfo created =
        stores
            .get(follower)
            .createTopic("orders", 3, (short) 3, Map.of("retention.ms", "60000"), false);
    assertThat(stores.get(follower).current().topic("orders"))
        .as("visible on the calling node when createTopic returns")
        .contains(created);
    assertThat(created.partitions())
        .allSatisfy(
            p -> {
              assertThat(p.replicas()).hasSize(3).doesNotHaveDuplicates();
              assertThat(p.leader()).isEqualTo(p.replicas().get(0));
              assertThat(p.leaderEpoch()).isZero();
              assertThat(p.isr()).isEqualTo(p.replicas());
            });
    assertThat(created.partitions()).extracting(p -> p.leader()).containsExactlyInAnyOrder(1, 2, 3);
    awaitSameMetadataEverywhere();
    assertThat(published.get(controller)).last().isEqualTo(stores.get(controller).current());

    int other = 6 - controller - follower;
    assertThatThrownBy(() -> stores.get(other).createTopic("orders", 1, (short) 1, Map.of(), false))
        .isInstanceOf(TopicExistsException.class);
    assertThatThrownBy(() -> stores.get(other).createTopic("wide", 1, (short) 4, Map.of(), false))
        .isInstanceOf(InvalidReplicationFactorException.class);

    stores.get(other).createPartitions("orders", 4, false);
    stores.get(other).setTopicConfigs("orders", Map.of("retention.ms", "1000"));
    stores.get(follower).deleteTopic("orders");
    awaitSameMetadataEverywhere();
    assertThat(stores.get(controller).current().topics()).isEmpty();

    String clusterId = stores.get(1).current().clusterId();
    for (int id = 1; id <= 3; id++) {
      assertThat(MetaProperties.recordedClusterId(tmp.resolve("node-" + id), id))
          .contains(clusterId);
    }
  }

  @Test
  void losingTheLeaderElectsANewControllerThatFencesItsBrokerAndMovesLeadership() throws Exception {
    startAll();
    int oldController = controller();
    int survivor = oldController == 1 ? 2 : 1;
    TopicInfo topic = stores.get(survivor).createTopic("payments", 6, (short) 3, Map.of(), false);
    List<PartitionInfo> ledByOld =
        topic.partitions().stream().filter(p -> p.leader() == oldController).toList();
    assertThat(ledByOld).hasSize(2);

    stop(oldController);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              ClusterMetadata m = stores.get(survivor).current();
              assertThat(m.controllerId()).isNotIn(-1, oldController);
              assertThat(m.brokers().get(oldController).fenced()).isTrue();
              for (PartitionInfo before : ledByOld) {
                PartitionInfo now =
                    m.partition(new TopicPartition("payments", before.partition())).orElseThrow();
                assertThat(now.leader()).isNotIn(-1, oldController);
                assertThat(now.leaderEpoch()).isEqualTo(before.leaderEpoch() + 1);
                assertThat(now.isr()).doesNotContain(oldController);
              }
            });
    awaitSameMetadataEverywhere();

    // Changes still work with one node of three down.
    stores.get(survivor).createTopic("while-down", 1, (short) 2, Map.of(), false);

    long restarted = System.nanoTime();
    start(oldController);
    stores.get(oldController).ready().get(20, TimeUnit.SECONDS);
    System.out.printf(
        "restarted node registered again in %d ms%n", (System.nanoTime() - restarted) / 1_000_000);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(stores.get(survivor).current().brokers().get(oldController).fenced())
                    .isFalse());
    awaitSameMetadataEverywhere();
    ClusterMetadata back = stores.get(oldController).current();
    assertThat(back.topic("while-down")).isPresent();
    for (PartitionInfo before : ledByOld) {
      PartitionInfo now =
          back.partition(new TopicPartition("payments", before.partition())).orElseThrow();
      assertThat(now.isr())
          .as("it rejoins the ISR only through alterIsr")
          .doesNotContain(oldController);
    }

    // The new leader of such a partition lets it back in; then the preferred leader returns.
    PartitionInfo moved =
        back.partition(new TopicPartition("payments", ledByOld.get(0).partition())).orElseThrow();
    List<Integer> fullIsr = new ArrayList<>(moved.isr());
    fullIsr.add(oldController);
    stores
        .get(moved.leader())
        .alterIsr(
            new TopicPartition("payments", moved.partition()),
            moved.leaderEpoch(),
            moved.partitionEpoch(),
            fullIsr)
        .get(10, TimeUnit.SECONDS);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              PartitionInfo p =
                  stores
                      .get(survivor)
                      .current()
                      .partition(new TopicPartition("payments", moved.partition()))
                      .orElseThrow();
              assertThat(p.leader()).as("preferred leader back").isEqualTo(oldController);
              assertThat(p.leaderEpoch()).isEqualTo(moved.leaderEpoch() + 1);
            });
  }

  /** process.roles=broker: node 4 is no voter; it fetches the metadata log from the leader. */
  @Test
  void aBrokerOnlyNodeFollowsTheQuorumAndOutlivesTheLossOfTheController() throws Exception {
    startAll();
    RaftMetadataStore observer = start(4);
    observer.ready().get(20, TimeUnit.SECONDS);
    awaitSameMetadataEverywhere();
    assertThat(observer.current().liveBrokers()).hasSize(4);
    assertThat(observer.isActiveController()).isFalse();
    assertThat(tmp.resolve("node-4").resolve("__raft")).as("no Raft log of its own").doesNotExist();

    // A change asked on the observer returns once the observer has applied it.
    TopicInfo topic = observer.createTopic("observed", 8, (short) 3, Map.of(), false);
    assertThat(observer.current().topic("observed")).contains(topic);
    assertThat(topic.partitions())
        .as("the observer is a broker: it hosts replicas")
        .anySatisfy(p -> assertThat(p.replicas()).contains(4));
    awaitSameMetadataEverywhere();

    int oldController = controller();
    stop(oldController);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              ClusterMetadata m = observer.current();
              assertThat(m.controllerId()).isNotIn(-1, oldController, 4);
              assertThat(m.brokers().get(oldController).fenced()).isTrue();
              assertThat(m.brokers().get(4).fenced()).isFalse();
            });
    observer.createTopic("after-failover", 1, (short) 2, Map.of(), false);
    awaitSameMetadataEverywhere();

    // Restarted, it starts from nothing and fetches everything again.
    stop(4);
    start(4).ready().get(20, TimeUnit.SECONDS);
    awaitSameMetadataEverywhere();
    assertThat(stores.get(4).current().topic("after-failover")).isPresent();
  }

  @Test
  void clientQuotasSetOnAnyNodeReachEveryNode() throws Exception {
    startAll();
    ClientQuotas.Entity app = ClientQuotas.Entity.of("client-id", "app");
    assertThat(
            stores
                .get(2)
                .alterClientQuotas(Map.of(app, Map.of("producer_byte_rate", 2048.0)), false)
                .get(app)
                .isSuccess())
        .isTrue();
    awaitSameMetadataEverywhere();
    for (RaftMetadataStore store : stores.values()) {
      assertThat(store.current().clientQuotas().byEntity())
          .containsExactly(Map.entry(app, Map.of("producer_byte_rate", 2048.0)));
    }
  }

  /**
   * A feature level set through one node reaches every node with the same epoch, and survives a
   * restart of the whole quorum (from its snapshot or log).
   */
  @Test
  void featureLevelsSetOnAnyNodeReachEveryNodeAndSurviveAFullRestart() throws Exception {
    startAll();
    assertThat(stores.get(1).current().featureLevel("transaction.version")).isEqualTo((short) 2);
    stores.get(3).setFeatureLevels(Map.of("transaction.version", (short) 1));
    stores.get(2).setFeatureLevels(Map.of("group.version", (short) 0));
    awaitSameMetadataEverywhere();
    for (RaftMetadataStore store : stores.values()) {
      assertThat(store.current().featureLevel("transaction.version")).isEqualTo((short) 1);
      assertThat(store.current().featureLevel("group.version")).isZero();
      assertThat(store.current().features().epoch()).isEqualTo(2);
    }
    for (int id = 1; id <= 3; id++) {
      stop(id);
    }
    startAll();
    awaitSameMetadataEverywhere();
    assertThat(stores.get(1).current().features())
        .isEqualTo(
            new FinalizedFeatures(
                Map.of("transaction.version", (short) 1, "group.version", (short) 0), 2));
  }

  @Test
  void alterIsrWithAStaleEpochIsRejected() throws Exception {
    startAll();
    TopicInfo topic = stores.get(1).createTopic("isr", 3, (short) 3, Map.of(), false);
    PartitionInfo p = topic.partitions().get(0);
    TopicPartition tp = new TopicPartition("isr", 0);
    RaftMetadataStore leader = stores.get(p.leader());
    List<Integer> shrunk = List.of(p.leader());
    assertThat(
            leader
                .alterIsr(tp, p.leaderEpoch(), p.partitionEpoch(), shrunk)
                .get(10, TimeUnit.SECONDS))
        .isEqualTo(ApiError.NONE);
    PartitionInfo after = leader.current().partition(tp).orElseThrow();
    assertThat(after.isr()).containsExactly(p.leader());
    assertThat(after.partitionEpoch()).isEqualTo(p.partitionEpoch() + 1);

    assertThat(
            leader
                .alterIsr(tp, p.leaderEpoch() - 1, after.partitionEpoch(), p.replicas())
                .get(10, TimeUnit.SECONDS)
                .error())
        .isEqualTo(Errors.FENCED_LEADER_EPOCH);
    assertThat(
            leader
                .alterIsr(tp, p.leaderEpoch(), p.partitionEpoch(), p.replicas())
                .get(10, TimeUnit.SECONDS)
                .error())
        .as("asked before the partition's last change")
        .isEqualTo(Errors.INVALID_UPDATE_VERSION);
    assertThat(leader.current().partition(tp).orElseThrow()).isEqualTo(after);
  }

  @Test
  void controlledShutdownOfTheControllerMovesLeadershipAwayAndHandsOverTheQuorum()
      throws Exception {
    startAll();
    TopicInfo topic = stores.get(1).createTopic("graceful", 3, (short) 3, Map.of(), false);
    int leaving = controller();
    assertThat(topic.partitions()).anySatisfy(p -> assertThat(p.leader()).isEqualTo(leaving));
    stores.get(leaving).controlledShutdown(Duration.ofSeconds(10));
    ClusterMetadata after = stores.get(leaving).current();
    assertThat(after.brokers().get(leaving).fenced()).isTrue();
    assertThat(after.topic("graceful").orElseThrow().partitions())
        .allSatisfy(
            p -> {
              assertThat(p.leader()).isNotEqualTo(leaving);
              assertThat(p.isr()).doesNotContain(leaving);
            });
    int stayed = leaving == 1 ? 2 : 1;
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(stores.get(stayed).current().controllerId()).isNotIn(-1, leaving));
    stop(leaving);
    stores.get(stayed).createTopic("after-handover", 1, (short) 2, Map.of(), false);
  }

  @Test
  void fullRestartKeepsTopicsIdsAndEpochs() throws Exception {
    startAll();
    for (int i = 0; i < 8; i++) {
      stores
          .get(1 + i % 3)
          .createTopic("t" + i, 2, (short) 3, Map.of("i", String.valueOf(i)), false);
    }
    awaitSameMetadataEverywhere();
    ClusterMetadata before = stores.get(1).current();
    for (int id = 1; id <= 3; id++) {
      stop(id);
    }
    for (int id = 1; id <= 3; id++) {
      try (Stream<Path> files = Files.walk(tmp.resolve("node-" + id).resolve("__raft"))) {
        assertThat(files.map(f -> f.getFileName().toString()))
            .as("node %d took a snapshot, so a restart need not replay the whole log", id)
            .anyMatch(name -> name.startsWith("snapshot."));
      }
    }

    startAll();
    awaitSameMetadataEverywhere();
    ClusterMetadata after = stores.get(2).current();
    assertThat(after.clusterId()).isEqualTo(before.clusterId());
    assertThat(after.topics().keySet()).isEqualTo(before.topics().keySet());
    for (TopicInfo t : before.topics().values()) {
      TopicInfo restarted = after.topic(t.name()).orElseThrow();
      assertThat(restarted.id()).isEqualTo(t.id());
      assertThat(restarted.configs()).isEqualTo(t.configs());
      for (PartitionInfo p : t.partitions()) {
        PartitionInfo q = restarted.partitions().get(p.partition());
        assertThat(q.replicas()).isEqualTo(p.replicas());
        assertThat(q.leaderEpoch()).isGreaterThanOrEqualTo(p.leaderEpoch());
        assertThat(q.leader()).isNotEqualTo(-1);
      }
    }
  }
}
