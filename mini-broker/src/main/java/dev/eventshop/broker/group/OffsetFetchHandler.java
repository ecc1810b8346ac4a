package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetFetchRequest;

/**
 * OffsetFetch: a group's committed offsets. v1 names the partitions and reports errors per
 * partition; v2+ allows null topics (all partitions) and a group-level error; v7+ may require
 * stable offsets: a partition with an offset pending in an open transaction then gets
 * UNSTABLE_OFFSET_COMMIT, and the client (a read_committed consumer) retries; v8+ asks for several
 * groups at once. v9's member id and epoch concern KIP-848 consumer groups; classic groups ignore
 * them, as Kafka does. v10 (topic ids) is not advertised.
 */
public final class OffsetFetchHandler extends VersionedApiHandler<OffsetFetchRequest> {

  private final GroupCoordinator coordinator;

  public OffsetFetchHandler(GroupCoordinator coordinator) {
    super(ApiKeys.OFFSET_FETCH, 1, 9);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, OffsetFetchRequest request) {
    OffsetFetchRequestData data = request.data();
    short version = context.apiVersion();
    OffsetFetchResponseData response = new OffsetFetchResponseData();
    boolean requireStable = version >= 7 && data.requireStable();
    if (version >= 8) {
      for (OffsetFetchRequestGroup g : data.groups()) {
        response
            .groups()
            .add(
                version >= 9
                    ? coordinator
                        .offsets()
                        .fetch(
                            g.groupId(), g.topics(), requireStable, g.memberId(), g.memberEpoch())
                    : coordinator.offsets().fetch(g.groupId(), g.topics(), requireStable));
      }
      return CompletableFuture.completedFuture(response);
    }
    List<OffsetFetchRequestTopics> topics = null;
    if (data.topics() != null) {
      topics = new ArrayList<>();
      for (OffsetFetchRequestTopic t : data.topics()) {
        topics.add(
            new OffsetFetchRequestTopics()
                .setName(t.name())
                .setPartitionIndexes(t.partitionIndexes()));
      }
    }
    OffsetFetchResponseGroup group =
        coordinator.offsets().fetch(data.groupId(), topics, requireStable);
    Errors error = Errors.forCode(group.errorCode());
    if (error != Errors.NONE && version >= 2) {
      return CompletableFuture.completedFuture(response.setErrorCode(error.code()));
    }
    if (error != Errors.NONE) {
      // v1 has no group-level error: every requested partition carries it.
      for (OffsetFetchRequestTopic t : data.topics()) {
        OffsetFetchResponseTopic rt = new OffsetFetchResponseTopic().setName(t.name());
        for (int p : t.partitionIndexes()) {
          rt.partitions()
              .add(
                  new OffsetFetchResponsePartition()
                      .setPartitionIndex(p)
                      .setCommittedOffset(-1)
                      .setMetadata("")
                      .setErrorCode(error.code()));
        }
        response.topics().add(rt);
      }
      return CompletableFuture.completedFuture(response);
    }
    for (OffsetFetchResponseTopics t : group.topics()) {
      OffsetFetchResponseTopic rt = new OffsetFetchResponseTopic().setName(t.name());
      for (OffsetFetchResponsePartitions p : t.partitions()) {
        OffsetFetchResponsePartition rp =
            new OffsetFetchResponsePartition()
                .setPartitionIndex(p.partitionIndex())
                .setCommittedOffset(p.committedOffset())
                .setMetadata(p.metadata())
                .setErrorCode(p.errorCode());
        if (version >= 5) {
          rp.setCommittedLeaderEpoch(p.committedLeaderEpoch());
        }
        rt.partitions().add(rp);
      }
      response.topics().add(rt);
    }
    return CompletableFuture.completedFuture(response);
  }
}
