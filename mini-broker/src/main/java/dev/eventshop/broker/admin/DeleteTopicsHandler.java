package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DeleteTopicsRequest;

/**
 * DeleteTopics by name, or by topic id from v6. The topic disappears from metadata and its replicas
 * delete their logs. Internal topics cannot be deleted. Versions 1-6.
 */
final class DeleteTopicsHandler extends VersionedApiHandler<DeleteTopicsRequest> {

  private final MetadataStore metadata;

  DeleteTopicsHandler(MetadataStore metadata) {
    super(ApiKeys.DELETE_TOPICS, 1, 6);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, DeleteTopicsRequest request) {
    DeleteTopicsResponseData response = new DeleteTopicsResponseData();
    List<DeleteTopicState> targets = new ArrayList<>();
    if (context.apiVersion() >= 6) {
      targets.addAll(request.data().topics());
    } else {
      request
          .data()
          .topicNames()
          .forEach(n -> targets.add(new DeleteTopicState().setName(n).setTopicId(Uuid.ZERO_UUID)));
    }
    for (DeleteTopicState target : targets) {
      DeletableTopicResult result =
          new DeletableTopicResult().setName(target.name()).setTopicId(target.topicId());
      response.responses().add(result);
      TopicInfo topic =
          target.name() != null
              ? metadata.current().topic(target.name()).orElse(null)
              : metadata.current().topicById(target.topicId()).orElse(null);
      if (topic == null) {
        result.setErrorCode(
            (target.name() != null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.UNKNOWN_TOPIC_ID)
                .code());
        continue;
      }
      result.setName(topic.name()).setTopicId(topic.id());
      if (topic.isInternal()) {
        result
            .setErrorCode(Errors.TOPIC_DELETION_DISABLED.code())
            .setErrorMessage("internal topics cannot be deleted");
        continue;
      }
      try {
        metadata.deleteTopic(topic.name());
        result.setErrorCode(Errors.NONE.code());
      } catch (RuntimeException e) {
        ApiError error = ApiError.fromThrowable(e);
        result.setErrorCode(error.error().code()).setErrorMessage(error.message());
      }
    }
    return CompletableFuture.completedFuture(response);
  }
}
