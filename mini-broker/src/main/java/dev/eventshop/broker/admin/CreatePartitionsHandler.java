package dev.eventshop.broker.admin;

import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;

/** CreatePartitions: grows a topic's partition count (never shrinks it). Versions 0-3. */
final class CreatePartitionsHandler extends VersionedApiHandler<CreatePartitionsRequest> {

  private final MetadataStore metadata;

  CreatePartitionsHandler(MetadataStore metadata) {
    super(ApiKeys.CREATE_PARTITIONS, 0, 3);
    this.metadata = metadata;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, CreatePartitionsRequest request) {
    CreatePartitionsResponseData response = new CreatePartitionsResponseData();
    for (CreatePartitionsTopic topic : request.data().topics()) {
      CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(topic.name());
      response.results().add(result);
      try {
        if (topic.assignments() != null && !topic.assignments().isEmpty()) {
          throw new InvalidReplicaAssignmentException("manual replica assignment is not supported");
        }
        metadata.createPartitions(topic.name(), topic.count(), request.data().validateOnly());
        result.setErrorCode(Errors.NONE.code());
      } catch (RuntimeException e) {
        ApiError error = ApiError.fromThrowable(e);
        result.setErrorCode(error.error().code()).setErrorMessage(error.message());
      }
    }
    return CompletableFuture.completedFuture(response);
  }
}
