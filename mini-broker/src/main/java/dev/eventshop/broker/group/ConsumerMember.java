package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

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

  /**
   * For a member that speaks the classic protocol (JoinGroup, SyncGroup, Heartbeat) in this
   * consumer group: its session timeout and the protocols it joined with. Null for a member of the
   * consumer group protocol.
   */
  ClassicMetadata classic;

  /** A classic member's deadline to rejoin, once told to (REBALANCE_IN_PROGRESS). */
  CoordinatorTimer.Task joinTask;

  /** A classic member's deadline to send SyncGroup after its JoinGroup. */
  CoordinatorTimer.Task syncTask;

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

  /** What a classic member joined with; equal when the protocols carry the same bytes. */
  record ClassicMetadata(int sessionTimeoutMs, List<GroupMember.Protocol> protocols) {

    /** The first protocol's name: the one the member is told its group uses. */
    String protocolName() {
      return protocols.get(0).name();
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof ClassicMetadata other)
          || sessionTimeoutMs != other.sessionTimeoutMs
          || protocols.size() != other.protocols.size()) {
        return false;
      }
      for (int i = 0; i < protocols.size(); i++) {
        GroupMember.Protocol a = protocols.get(i);
        GroupMember.Protocol b = other.protocols.get(i);
        if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return Objects.hash(sessionTimeoutMs, protocols.size());
    }
  }

  /** Subscribed topic names as a member keeps them: sorted, each once. */
  static List<String> topicNames(java.util.Collection<String> names) {
    return names.stream().sorted().distinct().toList();
  }

  boolean isClassic() {
    return classic != null;
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
    cancelClassicTimers();
  }

  void cancelClassicTimers() {
    if (joinTask != null) {
      joinTask.cancel();
      joinTask = null;
    }
    if (syncTask != null) {
      syncTask.cancel();
      syncTask = null;
    }
  }

  void cancelRevocationTimer() {
    if (revocationTask != null) {
      revocationTask.cancel();
      revocationTask = null;
    }
  }
}
