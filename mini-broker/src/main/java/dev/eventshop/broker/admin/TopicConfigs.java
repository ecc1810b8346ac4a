package dev.eventshop.broker.admin;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.metadata.MetadataStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

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

  /**
   * Replaces a topic's overrides with {@code change} applied to the current ones, after validating
   * the result; an invalid value changes nothing. Only topics have alterable configs: broker
   * configs are static.
   *
   * @return the outcome for the resource's entry in the response
   */
  ApiError alter(
      byte resourceType,
      String topic,
      UnaryOperator<Map<String, String>> change,
      boolean validateOnly) {
    if (ConfigResource.Type.forId(resourceType) != ConfigResource.Type.TOPIC) {
      return new ApiError(
          Errors.INVALID_REQUEST, "only topic configs can be altered; broker configs are static");
    }
    try {
      Map<String, String> before = current(topic);
      Map<String, String> overrides = change.apply(new LinkedHashMap<>(before));
      logConfigOf.apply(overrides);
      if (!validateOnly && !overrides.equals(before)) {
        metadata.setTopicConfigs(topic, overrides);
      }
      return ApiError.NONE;
    } catch (RuntimeException e) {
      return ApiError.fromThrowable(e);
    }
  }
}
