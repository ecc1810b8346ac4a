package dev.eventshop.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerConfigTest {

  @TempDir Path dir;

  @Test
  void defaultsAreKafkasWhereTheConceptIsTheSame() {
    BrokerConfig config = BrokerConfig.of(Map.of());

    assertThat(config.getInt(BrokerProperty.LOG_SEGMENT_BYTES)).isEqualTo(1024 * 1024 * 1024);
    assertThat(config.getLong(BrokerProperty.LOG_RETENTION_MS)).isEqualTo(7L * 24 * 3600 * 1000);
    assertThat(config.getInt(BrokerProperty.MESSAGE_MAX_BYTES)).isEqualTo(1048588);
    assertThat(config.getBoolean(BrokerProperty.AUTO_CREATE_TOPICS_ENABLE)).isTrue();
    Listeners listeners = config.listeners();
    assertThat(listeners.client()).containsExactly(new Listener("PLAINTEXT", "127.0.0.1", 9092));
    assertThat(listeners.advertised()).isEqualTo(listeners.client());
    assertThat(listeners.interBroker()).isEqualTo("PLAINTEXT");
  }

  @Test
  void laterSourcesWinFileThenEnvironmentThenOverrides() throws Exception {
    Path file = dir.resolve("server.properties");
    Files.writeString(file, "node.id=1\nnum.partitions=2\nlog.dirs=/from/file\n");

    BrokerConfig config =
        BrokerConfig.load(
            file,
            Map.of(
                "KAFKA_NUM_PARTITIONS",
                "5",
                "KAFKA_LOG_DIRS",
                "/from/env",
                "KAFKA_HEAP_OPTS",
                "-Xmx1g"),
            List.of("log.dirs=/from/override"));

    assertThat(config.nodeId()).isEqualTo(1);
    assertThat(config.getInt(BrokerProperty.NUM_PARTITIONS)).isEqualTo(5);
    assertThat(config.logDirs()).containsExactly(Path.of("/from/override"));
  }

  @Test
  void environmentNamesFollowKafkasDockerConvention() {
    assertThat(
            BrokerConfig.fromEnvironment(
                Map.of(
                    "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://broker-1:9092",
                    "KAFKA_SOME__UNDERSCORE", "x",
                    "KAFKA_SOME___DASH", "y",
                    "PATH", "/bin")))
        .containsOnly(
            Map.entry("advertised.listeners", "PLAINTEXT://broker-1:9092"),
            Map.entry("some_underscore", "x"),
            Map.entry("some-dash", "y"));
  }

  @Test
  void unknownKeyIsNamed() {
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("log.segment.byte", "1000")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("log.segment.byte: unknown configuration key");
  }

  @Test
  void unknownKeyFromTheEnvironmentIsNamed() {
    assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("KAFKA_NUM_PARTITION", "3"), List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("num.partition:");
  }

  @Test
  void invalidValuesAreNamedWithTheKey() {
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("num.partitions", "three")))
        .hasMessage("num.partitions: invalid value 'three': expected int");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("num.partitions", "0")))
        .hasMessage("num.partitions: invalid value 0: must be at least 1");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("auto.create.topics.enable", "yes")))
        .hasMessageStartingWith("auto.create.topics.enable:");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("log.cleanup.policy", "archive")))
        .hasMessageStartingWith("log.cleanup.policy:");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("listeners", "SSL://0.0.0.0:9093")))
        .hasMessage("listeners: listener SSL uses SSL; only PLAINTEXT is implemented");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("listeners", "localhost:9092")))
        .hasMessageStartingWith("listeners: invalid listener");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("controller.quorum.voters", "1@host")))
        .hasMessageStartingWith("controller.quorum.voters: invalid voter");
  }

  @Test
  void logDirIsAnAliasOfLogDirs() {
    assertThat(BrokerConfig.of(Map.of("log.dir", "/data")).logDirs())
        .containsExactly(Path.of("/data"));
  }

  @Test
  void quorumVotersAreParsed() {
    BrokerConfig config =
        BrokerConfig.of(Map.of("controller.quorum.voters", "1@127.0.0.1:9191,2@127.0.0.1:9192"));

    assertThat(config.quorumVoters())
        .containsExactly(
            new QuorumVoter(1, "127.0.0.1", 9191), new QuorumVoter(2, "127.0.0.1", 9192));
  }

  @Test
  void badOverrideSyntaxIsAnError() {
    assertThatThrownBy(() -> BrokerConfig.load(null, Map.of(), List.of("num.partitions")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key=value");
  }

  /** Kafka's usual split: containers use one listener, the host another. */
  @Test
  void namedListenersAreAdvertisedByName() {
    BrokerConfig config =
        BrokerConfig.of(
            Map.of(
                "listeners", "internal://0.0.0.0:29092,EXTERNAL://0.0.0.0:9092",
                "advertised.listeners", "EXTERNAL://localhost:9092,INTERNAL://broker-1:29092",
                "listener.security.protocol.map", "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
                "inter.broker.listener.name", "INTERNAL"));

    Listeners listeners = config.listeners();
    assertThat(listeners.client())
        .containsExactly(
            new Listener("INTERNAL", "0.0.0.0", 29092), new Listener("EXTERNAL", "0.0.0.0", 9092));
    assertThat(listeners.advertised())
        .as("in the order of listeners")
        .containsExactly(
            new Listener("INTERNAL", "broker-1", 29092),
            new Listener("EXTERNAL", "localhost", 9092));
    assertThat(listeners.interBroker()).isEqualTo("INTERNAL");
  }

  @Test
  void aListenerMissingFromAdvertisedListenersIsAdvertisedAsBound() {
    Listeners listeners =
        BrokerConfig.of(
                Map.of(
                    "listeners", "PLAINTEXT://127.0.0.1:9092,HOST://127.0.0.2:9093",
                    "advertised.listeners", "PLAINTEXT://broker-1:9092",
                    "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,HOST:PLAINTEXT"))
            .listeners();

    assertThat(listeners.advertised())
        .containsExactly(
            new Listener("PLAINTEXT", "broker-1", 9092), new Listener("HOST", "127.0.0.2", 9093));
  }

  /** A Kafka KRaft combined-mode configuration starts as it is. */
  @Test
  void theControllerListenerIsTheQuorumsPortNotAClientListener() {
    Listeners listeners =
        BrokerConfig.of(
                Map.of(
                    "node.id", "2",
                    "process.roles", "broker,controller",
                    "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
                    "controller.listener.names", "CONTROLLER",
                    "controller.quorum.voters", "1@127.0.0.1:9193,2@127.0.0.1:9093"))
            .listeners();

    assertThat(listeners.client()).containsExactly(new Listener("PLAINTEXT", "127.0.0.1", 9092));
    assertThat(listeners.controller())
        .containsExactly(new Listener("CONTROLLER", "127.0.0.1", 9093));
    assertThat(listeners.advertised()).containsExactly(listeners.client().get(0));
  }

  /** Kafka's rules for process.roles in KRaft mode, with the one role mini-broker lacks. */
  @Test
  void processRolesDecideWhetherANodeIsAVoterOrObservesTheQuorum() {
    String voters = "1@127.0.0.1:19091,2@127.0.0.1:19092,3@127.0.0.1:19093";
    BrokerConfig brokerOnly =
        BrokerConfig.of(
            Map.of(
                "node.id", "4",
                "process.roles", "broker",
                "controller.listener.names", "CONTROLLER",
                "controller.quorum.voters", voters));
    assertThat(brokerOnly.processRoles()).containsExactly("broker");
    assertThat(
            BrokerConfig.of(Map.of("node.id", "1", "controller.quorum.voters", voters))
                .processRoles())
        .as("the default: broker and voter")
        .containsExactly("broker", "controller");

    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "node.id", "1",
                        "process.roles", "broker",
                        "controller.quorum.voters", voters)))
        .hasMessage(
            "node.id: node 1 is broker-only (process.roles=broker), so it must not be one of"
                + " controller.quorum.voters [1, 2, 3]");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "node.id", "4",
                        "process.roles", "broker,controller",
                        "controller.quorum.voters", voters)))
        .hasMessageStartingWith(
            "node.id: node 4 has the controller role, so it must be one of"
                + " controller.quorum.voters [1, 2, 3]");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("process.roles", "broker")))
        .hasMessage(
            "controller.quorum.voters: a broker-only node (process.roles=broker) needs the voters"
                + " of the metadata quorum");
    // A controller-only node: a voter with its controller listener and no client listener.
    BrokerConfig controller =
        BrokerConfig.of(
            Map.of(
                "node.id", "2",
                "process.roles", "controller",
                "listeners", "CONTROLLER://127.0.0.1:19092",
                "controller.listener.names", "CONTROLLER",
                "controller.quorum.voters", voters));
    assertThat(controller.controllerOnly()).isTrue();
    assertThat(controller.listeners().client()).isEmpty();
    assertThat(controller.listeners().controller())
        .containsExactly(new Listener("CONTROLLER", "127.0.0.1", 19092));
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "node.id", "2",
                        "process.roles", "controller",
                        "listeners", "PLAINTEXT://:9092,CONTROLLER://127.0.0.1:19092",
                        "controller.listener.names", "CONTROLLER",
                        "controller.quorum.voters", voters)))
        .hasMessage(
            "listeners: a controller-only node (process.roles=controller) serves no clients: name"
                + " only its controller listener (controller.listener.names [CONTROLLER]), not"
                + " [PLAINTEXT://0.0.0.0:9092]");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("process.roles", "controller")))
        .hasMessageStartingWith(
            "controller.quorum.voters: a controller-only node (process.roles=controller) is a"
                + " voter of a metadata quorum");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("process.roles", "broker,zookeeper")))
        .hasMessage("process.roles: invalid value 'zookeeper': expected broker or controller");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "node.id", "4",
                        "process.roles", "broker",
                        "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093",
                        "controller.listener.names", "CONTROLLER",
                        "controller.quorum.voters", voters)))
        .hasMessageStartingWith(
            "listeners: controller listener CONTROLLER://0.0.0.0:9093 belongs to a voter");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093",
                        "controller.listener.names", "CONTROLLER")))
        .hasMessage(
            "controller.quorum.voters: controller listener CONTROLLER://0.0.0.0:9093 needs a"
                + " metadata quorum; a single node has none");
  }

  @Test
  void listenerMistakesAreNamedWithTheKey() {
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("listeners", "INTERNAL://127.0.0.1:9092")))
        .hasMessage(
            "listener.security.protocol.map: no security protocol for listener INTERNAL"
                + " (add INTERNAL:PLAINTEXT)");
    assertThatThrownBy(
            () -> BrokerConfig.of(Map.of("listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093")))
        .hasMessage("listeners: listener name PLAINTEXT appears twice");
    assertThatThrownBy(
            () -> BrokerConfig.of(Map.of("advertised.listeners", "EXTERNAL://localhost:9092")))
        .hasMessage("advertised.listeners: listener EXTERNAL is not one of the listeners");
    assertThatThrownBy(() -> BrokerConfig.of(Map.of("inter.broker.listener.name", "INTERNAL")))
        .hasMessage(
            "inter.broker.listener.name: INTERNAL is not one of the client listeners [PLAINTEXT]");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093",
                        "controller.listener.names", "CONTROLLER",
                        "controller.quorum.voters", "1@127.0.0.1:19092")))
        .hasMessage(
            "listeners: controller listener CONTROLLER://0.0.0.0:9093 must use this node's port"
                + " in controller.quorum.voters (19092)");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "listeners", "CONTROLLER://:9093",
                        "controller.listener.names", "CONTROLLER",
                        "controller.quorum.voters", "1@127.0.0.1:9093")))
        .hasMessageStartingWith("listeners: needs a listener for clients");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "listeners", "PLAINTEXT://:9092,SECURE://:9093",
                        "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SECURE:SSL")))
        .hasMessage("listeners: listener SECURE uses SSL; only PLAINTEXT is implemented");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "listeners", "PLAINTEXT://:9092,EXTERNAL://:9092",
                        "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT, EXTERNAL:")))
        .hasMessage(
            "listener.security.protocol.map: invalid entry 'EXTERNAL:':"
                + " expected LISTENER:PROTOCOL");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "listeners", "PLAINTEXT://:9092,EXTERNAL://:9092",
                        "listener.security.protocol.map",
                            "PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT")))
        .hasMessage("listeners: port 9092 is used by two listeners");
    assertThatThrownBy(
            () ->
                BrokerConfig.of(
                    Map.of(
                        "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093",
                        "controller.quorum.voters", "1@127.0.0.1:9093")))
        .hasMessage(
            "listeners: listener CONTROLLER://0.0.0.0:9093 uses this node's port in"
                + " controller.quorum.voters; name it in controller.listener.names");
  }
}
