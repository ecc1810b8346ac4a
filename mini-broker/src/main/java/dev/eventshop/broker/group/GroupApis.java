package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.PartitionAdder;
import java.util.List;
import java.util.function.BooleanSupplier;

/** The protocol handlers of the group coordinator, to add to the broker's API table. */
public final class GroupApis {

  private GroupApis() {}

  /**
   * FindCoordinator serves groups and transactional ids, so the broker adds it itself.
   *
   * @param consumerProtocol whether the consumer group protocol (KIP-848) is on: the cluster's
   *     finalized {@code group.version} is 1 or more
   * @param adder adds a group's partition to a transaction of version 2 (TxnOffsetCommit v5)
   */
  public static List<ApiHandler<?>> handlers(
      GroupCoordinator coordinator, BooleanSupplier consumerProtocol, PartitionAdder adder) {
    return List.of(
        new JoinGroupHandler(coordinator),
        new SyncGroupHandler(coordinator),
        new HeartbeatHandler(coordinator),
        new LeaveGroupHandler(coordinator),
        new OffsetCommitHandler(coordinator),
        new OffsetFetchHandler(coordinator),
        new TxnOffsetCommitHandler(coordinator, adder),
        new DescribeGroupsHandler(coordinator),
        new ListGroupsHandler(coordinator),
        new DeleteGroupsHandler(coordinator),
        new OffsetDeleteHandler(coordinator),
        new ConsumerGroupHeartbeatHandler(coordinator, consumerProtocol),
        new ConsumerGroupDescribeHandler(coordinator, consumerProtocol));
  }
}
