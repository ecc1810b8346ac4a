package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import java.util.List;

/**
 * One member of a consumer group (KIP-848): its subscription as its heartbeats last stated it, its
 * epoch, and the partitions it may use now ({@code assigned}) and must still give up ({@code
 * pendingRevocation}). A partition belongs to at most one member at a time, counting both sets: the
 * coordinator hands a partition to a new owner only after the old one has said it let go.
 *
 * <p>Not thread-safe: guarded by the lock of the {@link Group} that holds it.
 */
final class ConsumerMember {

  /** Where the member is on its way to its target assignment. */
  enum State {
    /** It has its target assignment at the group's assignment epoch. */
    STABLE,
    /** It must revoke {@code pendingRevocation} before it moves on; its epoch stays. */
    UNREVOKED_PARTITIONS,
    /** It is at the assignment epoch but waits for partitions others have not released yet. */
    UNRELEASED_PARTITIONS
  }

  final String memberId;
  String instanceId;
  String rackId;
  String clientId;
  String clientHost;
  int rebalanceTimeoutMs;
  List<String> subscribedTopicNames = List.of();
  String subscribedTopicRegex;

  /** {@code subscribedTopicRegex} compiled (RE2/J, as Kafka), or null. */
  com.google.re2j.Pattern subscribedTopicPattern;

  String serverAssignor;

  int memberEpoch;
  int previousMemberEpoch;
  State state = State.STABLE;
  Assignment assigned = Assignment.EMPTY;
  Assignment pendingRevocation = Assignment.EMPTY;

  /** Bumped at every heartbeat so that a superseded session-timeout task does nothing. */
  long sessionEpoch;

  CoordinatorTimer.Task sessionTask;
  CoordinatorTimer.Task revocationTask;

  ConsumerMember(String memberId) {
    this.memberId = memberId;
  }

  /** Every partition the member holds: those it uses and those it has yet to revoke. */
  Assignment held() {
    return assigned.plus(pendingRevocation);
  }

  void cancelTimers() {
    if (sessionTask != null) {
      sessionTask.cancel();
      sessionTask = null;
    }
    cancelRevocationTimer();
  }

  void cancelRevocationTimer() {
    if (revocationTask != null) {
      revocationTask.cancel();
      revocationTask = null;
    }
  }
}
