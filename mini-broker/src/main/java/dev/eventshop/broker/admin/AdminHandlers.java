package dev.eventshop.broker.admin;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.metadata.RaftMetadataStore;
import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.replication.Replicas;
import dev.eventshop.broker.server.BrokerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The administration APIs: topics, partitions, configs, leader elections, the cluster description,
 * the log directories, feature levels and (in cluster mode) the metadata quorum's.
 */
public final class AdminHandlers {

  private AdminHandlers() {}

  public static List<ApiHandler<?>> all(
      MetadataStore metadata, Replicas replicas, BrokerConfig config) {
    Map<String, String> brokerDefaults = config.asStrings();
    Function<Map<String, String>, LogConfig> logConfigOf =
        overrides -> LogConfig.of(brokerDefaults, overrides);
    TopicConfigs topicConfigs = new TopicConfigs(metadata, logConfigOf);
    List<ApiHandler<?>> handlers =
        new ArrayList<>(
            List.of(
                new CreateTopicsHandler(metadata, logConfigOf, config),
                new DeleteTopicsHandler(metadata),
                new CreatePartitionsHandler(metadata),
                new DescribeConfigsHandler(metadata, logConfigOf, config),
                new AlterConfigsHandler(topicConfigs),
                new IncrementalAlterConfigsHandler(topicConfigs, metadata, config.nodeId()),
                new DescribeClusterHandler(metadata),
                new DescribeLogDirsHandler(config.logDirs(), replicas),
                new ElectLeadersHandler(metadata),
                new AlterPartitionReassignmentsHandler(metadata),
                new ListPartitionReassignmentsHandler(metadata),
                new DescribeClientQuotasHandler(metadata),
                new AlterClientQuotasHandler(metadata),
                new UpdateFeaturesHandler(metadata, config.nodeId())));
    handlers.addAll(NoAuthorizerHandler.all());
    if (metadata instanceof RaftMetadataStore quorum) {
      handlers.add(
          new DescribeQuorumHandler(
              quorum::describeQuorum, quorum.voters(), config.controllerListenerName()));
    }
    return List.copyOf(handlers);
  }
}
