package dev.eventshop.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.record.CompressionType;
import org.junit.jupiter.api.Test;

class LogConfigTest {

  @Test
  void describesEveryTopicConfigApacheKafkaHasWithKafkasDefaults() {
    Set<String> kafkas =
        org.apache.kafka.storage.internals.log.LogConfig.configNames().stream()
            .filter(name -> !name.startsWith("internal."))
            .collect(Collectors.toSet());

    Map<String, String> described = LogConfig.of(Map.of(), Map.of()).describe();

    assertThat(described.keySet()).containsExactlyInAnyOrderElementsOf(kafkas);
    Map<String, Object> kafkaDefaults =
        org.apache.kafka.storage.internals.log.LogConfig.configDefCopy().defaultValues();
    described.forEach(
        (name, value) ->
            assertThat(value).as(name).isEqualTo(kafkaDefault(kafkaDefaults.get(name))));
  }

  /** Kafka's default as DescribeConfigs shows it: lists comma-separated. */
  static String kafkaDefault(Object value) {
    if (value instanceof java.util.List<?> list) {
      return list.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    return String.valueOf(value);
  }

  @Test
  void brokerPropertiesSupplyTheDefaultsAndTopicOverridesWin() {
    LogConfig config =
        LogConfig.of(
            Map.of("log.retention.ms", "1000", "unclean.leader.election.enable", "true"),
            Map.of("retention.ms", "2000"));

    assertThat(config.retentionMs()).isEqualTo(2000);
    assertThat(config.describe())
        .containsEntry("retention.ms", "2000")
        .containsEntry("unclean.leader.election.enable", "true");
  }

  @Test
  void compressionTypeNamesTheStoredCompression() {
    assertThat(LogConfig.of(Map.of(), Map.of()).compression()).isNull();
    assertThat(
            LogConfig.of(Map.of(), Map.of("compression.type", "lz4", "compression.lz4.level", "4"))
                .compression()
                .type())
        .isEqualTo(CompressionType.LZ4);
  }

  @Test
  void invalidValuesNameTheKey() {
    assertThatThrownBy(() -> LogConfig.of(Map.of(), Map.of("preallocate", "maybe")))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("preallocate");
    assertThatThrownBy(() -> LogConfig.of(Map.of(), Map.of("min.cleanable.dirty.ratio", "half")))
        .hasMessageContaining("min.cleanable.dirty.ratio");
    assertThatThrownBy(() -> LogConfig.of(Map.of(), Map.of("compression.type", "brotli")))
        .hasMessageContaining("compression.type");
    assertThatThrownBy(
            () ->
                LogConfig.of(
                    Map.of(), Map.of("compression.type", "zstd", "compression.zstd.level", "99")))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("compression.zstd.level");
    assertThatThrownBy(() -> LogConfig.of(Map.of(), Map.of("remote.storage.enable", "true")))
        .hasMessageContaining("tiered storage");
    assertThatThrownBy(() -> LogConfig.of(Map.of(), Map.of("retention.minutes", "5")))
        .hasMessageContaining("Unknown topic config name: retention.minutes");
  }
}
