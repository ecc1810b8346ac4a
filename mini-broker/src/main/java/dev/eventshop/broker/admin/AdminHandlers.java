package dev.eventshop.broker.admin;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.replication.Replicas;
import dev.eventshop.broker.server.BrokerConfig;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The administration APIs: topics, partitions, configs and the cluster description. */
public final class AdminHandlers {

  private AdminHandlers() {}

  public static List<ApiHandler<?>> all(
      MetadataStore metadata, Replicas replicas, BrokerConfig config) {
    Map<String, String> brokerDefaults = config.asStrings();
    Function<Map<String, String>, LogConfig> logConfigOf =
        overrides -> LogConfig.of(brokerDefaults, overrides);
    TopicConfigs topicConfigs = new TopicConfigs(metadata, logConfigOf);
    return List.of(
        new CreateTopicsHandler(metadata, logConfigOf, config),
        new DeleteTopicsHandler(metadata),
        new CreatePartitionsHandler(metadata),
        new DescribeConfigsHandler(metadata, logConfigOf, config),
        new AlterConfigsHandler(topicConfigs),
        new IncrementalAlterConfigsHandler(topicConfigs),
        new DescribeClusterHandler(metadata));
  }
}
