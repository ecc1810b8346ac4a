package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.LeaveGroupRequest;

/**
 * LeaveGroup: members leave at once instead of waiting for their session to time out. v0-2 name one
 * member and get one error; v3+ remove a batch (by member id or group instance id, as the admin
 * client does for static members) with an error per member; v5 adds a reason.
 */
public final class LeaveGroupHandler extends VersionedApiHandler<LeaveGroupRequest> {

  private final GroupCoordinator coordinator;

  public LeaveGroupHandler(GroupCoordinator coordinator) {
    super(ApiKeys.LEAVE_GROUP, 0, 5);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, LeaveGroupRequest request) {
    LeaveGroupRequestData data = request.data();
    short version = context.apiVersion();
    List<MemberIdentity> members =
        version >= 3
            ? data.members()
            : List.of(new MemberIdentity().setMemberId(data.memberId()).setGroupInstanceId(null));
    return coordinator
        .rebalance()
        .leave(data.groupId(), members)
        .thenApply(
            response -> {
              if (version >= 3) {
                return response;
              }
              short error = response.errorCode();
              if (error == Errors.NONE.code() && !response.members().isEmpty()) {
                error = response.members().get(0).errorCode();
              }
              return new LeaveGroupResponseData().setErrorCode(error);
            });
  }
}
