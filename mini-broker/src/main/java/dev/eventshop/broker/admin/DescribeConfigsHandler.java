package dev.eventshop.broker.admin;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.TopicConfigKey;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import dev.eventshop.broker.server.BrokerConfig;
import dev.eventshop.broker.server.BrokerProperty;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * DescribeConfigs for topics and brokers: every config with its effective value and where it comes
 * from (a topic override, the broker's file, or the default), with synonyms (v1+), types and
 * documentation (v3+). Versions 1-4.
 */
final class DescribeConfigsHandler extends VersionedApiHandler<DescribeConfigsRequest> {

  private final MetadataStore metadata;
  private final Function<Map<String, String>, LogConfig> logConfigOf;
  private final BrokerConfig config;

  DescribeConfigsHandler(
      MetadataStore metadata,
      Function<Map<String, String>, LogConfig> logConfigOf,
      BrokerConfig config) {
    super(ApiKeys.DESCRIBE_CONFIGS, 1, 4);
    this.metadata = metadata;
    this.logConfigOf = logConfigOf;
    this.config = config;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, DescribeConfigsRequest request) {
    DescribeConfigsResponseData response = new DescribeConfigsResponseData();
    boolean synonyms = request.data().includeSynonyms();
    boolean docs = request.data().includeDocumentation();
    for (DescribeConfigsResource resource : request.data().resources()) {
      DescribeConfigsResult result =
          new DescribeConfigsResult()
              .setResourceType(resource.resourceType())
              .setResourceName(resource.resourceName());
      response.results().add(result);
      ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
      List<String> names = resource.configurationKeys();
      if (type == ConfigResource.Type.TOPIC) {
        TopicInfo topic = metadata.current().topic(resource.resourceName()).orElse(null);
        if (topic == null) {
          result
              .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
              .setErrorMessage("Topic '" + resource.resourceName() + "' does not exist.");
          continue;
        }
        logConfigOf
            .apply(topic.configs())
            .describe()
            .forEach(
                (name, value) -> {
                  if (names == null || names.contains(name)) {
                    result.configs().add(topicEntry(topic, name, value, synonyms, docs));
                  }
                });
      } else if (type == ConfigResource.Type.BROKER) {
        if (!resource.resourceName().isEmpty()
            && !resource.resourceName().equals(String.valueOf(config.nodeId()))) {
          result
              .setErrorCode(Errors.INVALID_REQUEST.code())
              .setErrorMessage("this is broker " + config.nodeId());
          continue;
        }
        for (BrokerProperty p : BrokerProperty.values()) {
          if (names == null || names.contains(p.key())) {
            String value = config.asStrings().get(p.key());
            boolean isDefault = value.equals(p.defaultValue());
            result
                .configs()
                .add(
                    new DescribeConfigsResourceResult()
                        .setName(p.key())
                        .setValue(value)
                        .setReadOnly(true)
                        .setIsSensitive(false)
                        .setConfigSource(
                            (isDefault
                                    ? ConfigSource.DEFAULT_CONFIG
                                    : ConfigSource.STATIC_BROKER_CONFIG)
                                .id())
                        .setConfigType(typeOf(p).id())
                        .setDocumentation(docs ? p.doc() : null));
          }
        }
        for (String name : IncrementalAlterConfigsHandler.DYNAMIC_BROKER_CONFIGS) {
          if (names == null || names.contains(name)) {
            result.configs().add(dynamicEntry(resource.resourceName(), name, docs));
          }
        }
      } else {
        result
            .setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage("unsupported resource type " + type);
      }
    }
    return CompletableFuture.completedFuture(response);
  }

  /**
   * A dynamic broker config (a replication throttle rate): this broker's value, else the
   * cluster-wide default, else none (Long.MAX_VALUE bytes per second, Kafka's default).
   */
  private DescribeConfigsResourceResult dynamicEntry(String resource, String name, boolean docs) {
    Map<String, Map<String, String>> dynamic = metadata.current().brokerConfigs();
    String own = resource.isEmpty() ? null : dynamic.getOrDefault(resource, Map.of()).get(name);
    String fallback = dynamic.getOrDefault("", Map.of()).get(name);
    ConfigSource source =
        own != null
            ? ConfigSource.DYNAMIC_BROKER_CONFIG
            : fallback != null
                ? ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
                : ConfigSource.DEFAULT_CONFIG;
    String value = own != null ? own : fallback != null ? fallback : String.valueOf(Long.MAX_VALUE);
    return new DescribeConfigsResourceResult()
        .setName(name)
        .setValue(value)
        .setReadOnly(false)
        .setIsSensitive(false)
        .setConfigSource(source.id())
        .setConfigType(ConfigType.LONG.id())
        .setDocumentation(
            docs
                ? "Replication throttle in bytes per second (see quota/ReplicationThrottles)."
                : null);
  }

  private DescribeConfigsResourceResult topicEntry(
      TopicInfo topic, String name, String value, boolean synonyms, boolean docs) {
    boolean override = topic.configs().containsKey(name);
    TopicConfigKey key = TopicConfigKey.byKey(name).orElseThrow();
    String brokerName = key.brokerProperty().orElse(null);
    BrokerProperty brokerProperty =
        brokerName == null ? null : BrokerProperty.byKey(brokerName).orElse(null);
    ConfigSource defaultSource =
        brokerProperty != null
                && !config.asStrings().get(brokerName).equals(brokerProperty.defaultValue())
            ? ConfigSource.STATIC_BROKER_CONFIG
            : ConfigSource.DEFAULT_CONFIG;
    DescribeConfigsResourceResult entry =
        new DescribeConfigsResourceResult()
            .setName(name)
            .setValue(value)
            .setReadOnly(false)
            .setIsSensitive(false)
            .setConfigSource((override ? ConfigSource.TOPIC_CONFIG : defaultSource).id())
            .setConfigType(typeOf(key.type()).id())
            .setDocumentation(docs ? "See Kafka's topic configuration '" + name + "'." : null);
    if (synonyms) {
      if (override) {
        entry
            .synonyms()
            .add(
                new DescribeConfigsSynonym()
                    .setName(name)
                    .setValue(topic.configs().get(name))
                    .setSource(ConfigSource.TOPIC_CONFIG.id()));
      }
      if (brokerProperty != null) {
        entry
            .synonyms()
            .add(
                new DescribeConfigsSynonym()
                    .setName(brokerName)
                    .setValue(config.asStrings().get(brokerName))
                    .setSource(defaultSource.id()));
      }
    }
    return entry;
  }

  private static ConfigType typeOf(BrokerProperty p) {
    return switch (p.type()) {
      case INT -> ConfigType.INT;
      case LONG -> ConfigType.LONG;
      case BOOLEAN -> ConfigType.BOOLEAN;
      case STRING -> ConfigType.STRING;
    };
  }

  private static ConfigType typeOf(ConfigDef.Type type) {
    return switch (type) {
      case BOOLEAN -> ConfigType.BOOLEAN;
      case INT -> ConfigType.INT;
      case LONG -> ConfigType.LONG;
      case DOUBLE -> ConfigType.DOUBLE;
      case LIST -> ConfigType.LIST;
      default -> ConfigType.STRING;
    };
  }
}
