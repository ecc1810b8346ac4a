package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.OffsetCommitRequest;

/**
 * OffsetCommit: stores consumed positions in {@code __consumer_offsets}; answered once the records
 * are committed. v2-4 may ask for a retention time; v6+ carries leader epochs; v7+ the group
 * instance id; v9+ answers GROUP_ID_NOT_FOUND for a member commit to an unknown group. v10 (topic
 * ids instead of names) is not advertised: classic consumers use names.
 */
public final class OffsetCommitHandler extends VersionedApiHandler<OffsetCommitRequest> {

  private final GroupCoordinator coordinator;

  public OffsetCommitHandler(GroupCoordinator coordinator) {
    super(ApiKeys.OFFSET_COMMIT, 2, 9);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, OffsetCommitRequest request) {
    short version = context.apiVersion();
    var data = request.data();
    if (version < 7) {
      data.setGroupInstanceId(null);
    }
    return coordinator.offsets().commit(data, version).thenApply(r -> r);
  }
}
