package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.ApiHandler;
import java.util.List;

/** The protocol handlers of the group coordinator, to add to the broker's API table. */
public final class GroupApis {

  private GroupApis() {}

  /**
   * @param leaderOfOffsetsPartition the broker that leads a {@code __consumer_offsets} partition,
   *     for FindCoordinator
   */
  public static List<ApiHandler<?>> handlers(
      GroupCoordinator coordinator,
      FindCoordinatorHandler.OffsetsPartitionLeader leaderOfOffsetsPartition) {
    return List.of(
        new FindCoordinatorHandler(coordinator, leaderOfOffsetsPartition),
        new JoinGroupHandler(coordinator),
        new SyncGroupHandler(coordinator),
        new HeartbeatHandler(coordinator),
        new LeaveGroupHandler(coordinator),
        new OffsetCommitHandler(coordinator),
        new OffsetFetchHandler(coordinator),
        new TxnOffsetCommitHandler(coordinator),
        new DescribeGroupsHandler(coordinator),
        new ListGroupsHandler(coordinator),
        new DeleteGroupsHandler(coordinator),
        new OffsetDeleteHandler(coordinator));
  }
}
