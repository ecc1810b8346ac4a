package dev.eventshop.broker.admin;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import dev.eventshop.broker.server.BrokerConfig;
import dev.eventshop.broker.server.BrokerProperty;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;

/**
 * CreateTopics: validates name, partitions, replication factor and configs, then creates each topic
 * (or only validates it). From v5 the response carries the topic id and its effective configs.
 * Manual replica assignments are refused. Versions 2-7.
 */
final class CreateTopicsHandler extends VersionedApiHandler<CreateTopicsRequest> {

  private final MetadataStore metadata;
  private final Function<Map<String, String>, LogConfig> logConfigOf;
  private final BrokerConfig config;

  CreateTopicsHandler(
      MetadataStore metadata,
      Function<Map<String, String>, LogConfig> logConfigOf,
      BrokerConfig config) {
    super(ApiKeys.CREATE_TOPICS, 2, 7);
    this.metadata = metadata;
    this.logConfigOf = logConfigOf;
    this.config = config;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, CreateTopicsRequest request) {
    CreateTopicsResponseData response = new CreateTopicsResponseData();
    boolean validateOnly = request.data().validateOnly();
    for (CreatableTopic topic : request.data().topics()) {
      CreatableTopicResult result = new CreatableTopicResult().setName(topic.name());
      response.topics().add(result);
      try {
        if (!topic.assignments().isEmpty()) {
          throw new InvalidReplicaAssignmentException("manual replica assignment is not supported");
        }
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreatableTopicConfig c : topic.configs()) {
          configs.put(c.name(), c.value());
        }
        LogConfig logConfig = logConfigOf.apply(configs);
        int partitions =
            topic.numPartitions() == -1
                ? config.getInt(BrokerProperty.NUM_PARTITIONS)
                : topic.numPartitions();
        short replication =
            topic.replicationFactor() == -1
                ? (short) config.getInt(BrokerProperty.DEFAULT_REPLICATION_FACTOR)
                : topic.replicationFactor();
        TopicInfo created =
            metadata.createTopic(topic.name(), partitions, replication, configs, validateOnly);
        result
            .setTopicId(validateOnly ? org.apache.kafka.common.Uuid.ZERO_UUID : created.id())
            .setNumPartitions(partitions)
            .setReplicationFactor(replication)
            .setErrorCode(Errors.NONE.code());
        logConfig
            .describe()
            .forEach(
                (name, value) ->
                    result
                        .configs()
                        .add(
                            new CreatableTopicConfigs()
                                .setName(name)
                                .setValue(value)
                                .setReadOnly(false)
                                .setIsSensitive(false)
                                .setConfigSource(
                                    configs.containsKey(name)
                                        ? org.apache.kafka.common.requests.DescribeConfigsResponse
                                            .ConfigSource.TOPIC_CONFIG
                                            .id()
                                        : org.apache.kafka.common.requests.DescribeConfigsResponse
                                            .ConfigSource.DEFAULT_CONFIG
                                            .id())));
      } catch (RuntimeException e) {
        ApiError error = ApiError.fromThrowable(e);
        result
            .setErrorCode(error.error().code())
            .setErrorMessage(error.message())
            .setNumPartitions(-1)
            .setReplicationFactor((short) -1);
      }
    }
    return CompletableFuture.completedFuture(response);
  }
}
