package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * One member of a classic group: who it is, the protocols it supports in order of preference, its
 * assignment, and the JoinGroup or SyncGroup request it is waiting on, if any.
 *
 * <p>Not thread-safe: every field is guarded by the lock of the {@link Group} that holds the
 * member.
 */
final class GroupMember {

  /** One protocol a member supports, with the metadata it sends for it (its subscription). */
  record Protocol(String name, byte[] metadata) {}

  final String memberId;
  final String groupInstanceId;
  String clientId;
  String clientHost;
  int rebalanceTimeoutMs;
  int sessionTimeoutMs;
  String protocolType;
  List<Protocol> protocols;
  byte[] assignment = new byte[0];

  /** The pending JoinGroup response, and the version it must be written in. */
  CompletableFuture<JoinGroupResponseData> awaitingJoin;

  short joinVersion;

  /** The pending SyncGroup response. */
  CompletableFuture<SyncGroupResponseData> awaitingSync;

  short syncVersion;

  /**
   * True from its first join until that rebalance completes: a new member that disappears while
   * waiting is dropped after {@link GroupCoordinator#NEW_MEMBER_JOIN_TIMEOUT_MS} rather than
   * holding the rebalance for its whole rebalance timeout.
   */
  boolean isNew;

  /** Bumped at every heartbeat so that a superseded session-timeout task does nothing. */
  long heartbeatEpoch;

  CoordinatorTimer.Task heartbeatTask;

  GroupMember(
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      String protocolType,
      List<Protocol> protocols) {
    this.memberId = memberId;
    this.groupInstanceId = groupInstanceId;
    this.clientId = clientId;
    this.clientHost = clientHost;
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.protocolType = protocolType;
    this.protocols = List.copyOf(protocols);
  }

  boolean isStatic() {
    return groupInstanceId != null;
  }

  boolean isAwaitingJoin() {
    return awaitingJoin != null;
  }

  boolean isAwaitingSync() {
    return awaitingSync != null;
  }

  /** The metadata this member sent for {@code protocol}; null if it does not support it. */
  byte[] metadata(String protocol) {
    for (Protocol p : protocols) {
      if (p.name().equals(protocol)) {
        return p.metadata();
      }
    }
    return null;
  }

  /** Whether {@code other} names the same protocols, in the same order, with the same metadata. */
  boolean sameProtocols(List<Protocol> other) {
    if (other.size() != protocols.size()) {
      return false;
    }
    for (int i = 0; i < other.size(); i++) {
      Protocol a = protocols.get(i);
      Protocol b = other.get(i);
      if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) {
        return false;
      }
    }
    return true;
  }

  /** The first protocol in this member's preference order that is also in {@code candidates}. */
  String vote(java.util.Set<String> candidates) {
    for (Protocol p : protocols) {
      if (candidates.contains(p.name())) {
        return p.name();
      }
    }
    throw new IllegalStateException("member " + memberId + " supports none of " + candidates);
  }

  /** Completes the pending JoinGroup response, if any. */
  void completeJoin(JoinGroupResponseData response) {
    if (awaitingJoin != null) {
      CompletableFuture<JoinGroupResponseData> f = awaitingJoin;
      awaitingJoin = null;
      f.complete(response);
    }
  }

  /** Completes the pending SyncGroup response, if any. */
  void completeSync(SyncGroupResponseData response) {
    if (awaitingSync != null) {
      CompletableFuture<SyncGroupResponseData> f = awaitingSync;
      awaitingSync = null;
      f.complete(response);
    }
  }

  void cancelHeartbeat() {
    heartbeatEpoch++;
    if (heartbeatTask != null) {
      heartbeatTask.cancel();
      heartbeatTask = null;
    }
  }

  @Override
  public String toString() {
    return "GroupMember(" + memberId + (isStatic() ? ", instance " + groupInstanceId : "") + ")";
  }
}
