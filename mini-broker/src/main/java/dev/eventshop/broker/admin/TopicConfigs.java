package dev.eventshop.broker.admin;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.metadata.MetadataStore;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Validates and stores a topic's config overrides: shared by AlterConfigs and its incremental twin.
 */
final class TopicConfigs {

  private final MetadataStore metadata;
  private final Function<Map<String, String>, LogConfig> logConfigOf;

  TopicConfigs(MetadataStore metadata, Function<Map<String, String>, LogConfig> logConfigOf) {
    this.metadata = metadata;
    this.logConfigOf = logConfigOf;
  }

  Map<String, String> current(String topic) {
    return metadata
        .current()
        .topic(topic)
        .orElseThrow(
            () -> new UnknownTopicOrPartitionException("Topic '" + topic + "' does not exist."))
        .configs();
  }

  /** Replaces the overrides after validating them; an invalid value changes nothing. */
  void replace(String topic, Map<String, String> overrides, boolean validateOnly) {
    current(topic);
    logConfigOf.apply(overrides);
    if (!validateOnly) {
      metadata.setTopicConfigs(topic, overrides);
    }
  }
}
