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
    assertThat(config.listeners()).containsExactly(new Listener("PLAINTEXT", "127.0.0.1", 9092));
    assertThat(config.advertisedListeners()).isEqualTo(config.listeners());
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
        .hasMessageStartingWith("listeners: unsupported listener 'SSL'");
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
}
