package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.JoinGroupRequest;

/**
 * JoinGroup: a member enters a rebalance. The response waits until the join phase of the rebalance
 * completes. Version notes: v0 has no rebalance timeout (the session timeout serves), v4+ new
 * members get MEMBER_ID_REQUIRED first, v5+ static membership, v7+ the protocol type is echoed, v9+
 * a static leader may be told to skip the assignment.
 */
public final class JoinGroupHandler extends VersionedApiHandler<JoinGroupRequest> {

  private final GroupCoordinator coordinator;

  public JoinGroupHandler(GroupCoordinator coordinator) {
    super(ApiKeys.JOIN_GROUP, 0, 9);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, JoinGroupRequest request) {
    JoinGroupRequestData data = request.data();
    short version = context.apiVersion();
    List<GroupMember.Protocol> protocols = new ArrayList<>();
    for (JoinGroupRequestProtocol p : data.protocols()) {
      protocols.add(new GroupMember.Protocol(p.name(), p.metadata()));
    }
    int rebalanceTimeout =
        version == 0 || data.rebalanceTimeoutMs() < 0
            ? data.sessionTimeoutMs()
            : data.rebalanceTimeoutMs();
    ClassicRebalance.JoinRequest join =
        new ClassicRebalance.JoinRequest(
            data.groupId(),
            data.memberId() == null ? "" : data.memberId(),
            version >= 5 ? data.groupInstanceId() : null,
            context.clientId(),
            GroupCoordinator.clientHost(context.clientAddress()),
            data.sessionTimeoutMs(),
            rebalanceTimeout,
            data.protocolType(),
            protocols,
            version,
            version >= 8 && data.reason() != null && !data.reason().isEmpty()
                ? data.reason()
                : null);
    return coordinator.rebalance().join(join).thenApply(r -> r);
  }
}
