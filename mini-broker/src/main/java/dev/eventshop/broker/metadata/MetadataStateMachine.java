package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.MetadataCodec.BrokerStatus;
import dev.eventshop.broker.metadata.MetadataCommand.RegisterBroker;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated state machine of the metadata quorum on one voter: Ratis hands it the committed
 * log entries in order and it applies each {@link MetadataCommand} into this node's {@link
 * AppliedMetadata}; it writes that state as a single-file snapshot so a restart loads it instead of
 * replaying the whole log. Queries never reach the log: heartbeats go to the {@link
 * ClusterController}, and observers' fetches are answered from the applied metadata.
 *
 * <p>Thread-safety: entries are applied by Ratis' single updater thread; leader changes, queries
 * and snapshot loads come from other Ratis threads. {@link AppliedMetadata} serializes them.
 */
final class MetadataStateMachine extends BaseStateMachine {

  private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

  private final SimpleStateMachineStorage storage = new SnapshotStorage();

  /** How long an observer that stopped fetching is still described (Kafka's observer session). */
  static final Duration OBSERVER_EXPIRY = Duration.ofMinutes(5);

  private final ClusterController controller;
  private final AppliedMetadata applied;

  /** The observers' latest fetches while this node leads, by broker id. */
  private final Map<Integer, ObserverFetch> observers = new ConcurrentHashMap<>();

  private record ObserverFetch(long afterIndex, long fetchedAtMs, long caughtUpAtMs) {}

  MetadataStateMachine(ClusterController controller, AppliedMetadata applied) {
    this.controller = controller;
    this.applied = applied;
  }

  // ---- Ratis lifecycle and snapshots

  // A follower that lags behind what the leader still keeps in its log receives the leader's
  // snapshot instead. Ratis then pauses the state machine, copies the snapshot's files, and has
  // the updater thread call reinitialize(), which it does only for a PAUSED state machine: else it
  // stops the updater, and with it this node's part in the quorum. So the life cycle is kept:
  // RUNNING once initialized, PAUSED while a snapshot is installed, RUNNING again after.

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    getLifeCycle()
        .startAndTransition(
            () -> {
              super.initialize(server, groupId, raftStorage);
              storage.init(raftStorage);
              load(storage.getLatestSnapshot());
            },
            IOException.class);
  }

  @Override
  public void pause() {
    LifeCycle lifeCycle = getLifeCycle();
    if (lifeCycle.getCurrentState() == LifeCycle.State.RUNNING) {
      lifeCycle.transition(LifeCycle.State.PAUSING);
      lifeCycle.transition(LifeCycle.State.PAUSED);
    }
  }

  @Override
  public void reinitialize() throws IOException {
    load(storage.loadLatestSnapshot()); // the snapshot just installed from the leader
    LifeCycle lifeCycle = getLifeCycle();
    if (lifeCycle.getCurrentState() == LifeCycle.State.PAUSED) {
      lifeCycle.transition(LifeCycle.State.STARTING);
      lifeCycle.transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public long takeSnapshot() throws IOException {
    AppliedMetadata.Position last = applied.position();
    if (last.index() < 0) {
      return -1;
    }
    File file = storage.getSnapshotFile(last.term(), last.index());
    Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
      MetadataCodec.writeSnapshot(last.state(), out);
    }
    Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    TermIndex termIndex = TermIndex.valueOf(last.term(), last.index());
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), termIndex));
    log.debug("metadata snapshot at {} written to {}", termIndex, file);
    return last.index();
  }

  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      return;
    }
    Path file = snapshot.getFile().getPath();
    if (snapshot.hasMd5()) {
      MD5FileUtil.verifySavedMD5(file.toFile(), snapshot.getFile().getFileDigest());
    }
    ClusterMetadata loaded;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      loaded = MetadataCodec.readSnapshot(in);
    }
    TermIndex at = snapshot.getTermIndex();
    setLastAppliedTermIndex(at);
    applied.load(loaded, at.getTerm(), at.getIndex());
    log.info(
        "metadata snapshot {} loaded: {} brokers, {} topics",
        at,
        loaded.brokers().size(),
        loaded.topics().size());
  }

  // ---- the log

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    byte[] bytes = entry.getStateMachineLogEntry().getLogData().toByteArray();
    MetadataCommand command = AppliedMetadata.decode(entry.getIndex(), bytes);
    CommandResult result = applied.apply(entry.getTerm(), entry.getIndex(), command, bytes);
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    if (command instanceof RegisterBroker r && result.isOk()) {
      controller.onBrokerRegistered(r.brokerId());
    }
    return CompletableFuture.completedFuture(message(MetadataCodec.encode(result)));
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    super.notifyTermIndexUpdated(term, index); // entries without a command (leader's first)
    applied.advance(term, index);
  }

  /**
   * A heartbeat, an observer's fetch, or DescribeQuorum: only the leader answers them (Ratis
   * refuses read-only requests elsewhere).
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      MetadataCodec.Query query = MetadataCodec.decodeQuery(request.getContent().toByteArray());
      if (query instanceof MetadataCodec.Fetch fetch) {
        recordFetch(fetch.brokerId(), fetch.afterIndex());
        return applied
            .awaitChangesAfter(fetch.afterIndex(), fetch.maxWait())
            .thenApply(changes -> message(MetadataCodec.encode(changes)));
      }
      if (query instanceof MetadataCodec.DescribeQuorum) {
        return CompletableFuture.completedFuture(message(MetadataCodec.encode(describeQuorum())));
      }
      int brokerId = ((MetadataCodec.Heartbeat) query).brokerId();
      BrokerStatus status = controller.onHeartbeat(brokerId);
      return CompletableFuture.completedFuture(message(MetadataCodec.encode(status)));
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Remembers an observer's fetch while this node leads: its progress, for DescribeQuorum. */
  private void recordFetch(int brokerId, long afterIndex) {
    long now = System.currentTimeMillis();
    boolean caughtUp = afterIndex >= applied.appliedIndex();
    observers.merge(
        brokerId,
        new ObserverFetch(afterIndex, now, caughtUp ? now : -1),
        (last, next) -> caughtUp ? next : new ObserverFetch(afterIndex, now, last.caughtUpAtMs()));
  }

  /**
   * The quorum as this leader sees it, in Kafka's terms (one past the last entry): its own log end,
   * each follower's match index and last answer from Ratis' log appenders, and the observers that
   * fetched within {@link #OBSERVER_EXPIRY}. A follower counts as caught up at its last answer when
   * it holds every committed entry; what is not known is -1.
   */
  QuorumDescription describeQuorum() throws IOException {
    RaftServer.Division division = getServer().join().getDivision(getGroupId());
    DivisionInfo info = division.getInfo();
    // Both come from the leader's log appenders, in their order; Ratis may replace an appender
    // between the two reads, so the followers are read again and must not have changed.
    List<ServerRpcProto> followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
    long[] matchIndices = info.getFollowerMatchIndices();
    List<ServerRpcProto> again = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
    if (!info.isLeader() || matchIndices == null) {
      throw new IOException("node " + getId() + " is not the metadata quorum's leader");
    }
    boolean matched = followers.size() == matchIndices.length && sameIds(followers, again);
    long now = System.currentTimeMillis();
    long leaderEnd = division.getRaftLog().getNextIndex();
    long highWatermark = division.getRaftLog().getLastCommittedIndex() + 1;
    List<QuorumDescription.Replica> voters = new ArrayList<>();
    voters.add(new QuorumDescription.Replica(nodeId(getId()), leaderEnd, -1, now));
    for (int i = 0; i < followers.size(); i++) {
      ServerRpcProto follower = followers.get(i);
      long end = matched && matchIndices[i] >= 0 ? matchIndices[i] + 1 : -1;
      long answered = end < 0 ? -1 : now - follower.getLastRpcElapsedTimeMs();
      voters.add(
          new QuorumDescription.Replica(
              nodeId(RaftPeerId.valueOf(follower.getId().getId())),
              end,
              answered,
              end >= highWatermark ? answered : -1));
    }
    observers.values().removeIf(f -> now - f.fetchedAtMs() > OBSERVER_EXPIRY.toMillis());
    List<QuorumDescription.Replica> observed = new ArrayList<>();
    observers.forEach(
        (id, fetch) ->
            observed.add(
                new QuorumDescription.Replica(
                    id, fetch.afterIndex() + 1, fetch.fetchedAtMs(), fetch.caughtUpAtMs())));
    observed.sort(Comparator.comparingInt(QuorumDescription.Replica::id));
    return new QuorumDescription(
        nodeId(getId()), (int) info.getCurrentTerm(), highWatermark, voters, observed);
  }

  private static boolean sameIds(List<ServerRpcProto> a, List<ServerRpcProto> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).getId().getId().equals(b.get(i).getId().getId())) {
        return false;
      }
    }
    return true;
  }

  private static int nodeId(RaftPeerId peer) {
    return Integer.parseInt(peer.toString());
  }

  // ---- leadership

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    applied.setLeader(newLeaderId == null ? -1 : nodeId(newLeaderId));
    if (!Objects.equals(newLeaderId, getId())) {
      controller.onLeadershipLost();
      observers.clear(); // they fetch from the new leader now
    }
  }

  /** This node leads and has applied every earlier entry: its controller may act now. */
  @Override
  public void notifyLeaderReady() {
    controller.onLeaderReady();
  }

  @Override
  public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
    controller.onLeadershipLost();
  }

  @Override
  public void close() throws IOException {
    controller.onLeadershipLost();
    applied.close(new IOException("metadata quorum closed"));
    super.close();
  }

  private static Message message(byte[] bytes) {
    return Message.valueOf(ByteString.copyFrom(bytes));
  }

  /**
   * Ratis' snapshot storage, except that looking on disk and finding no snapshot leaves the one it
   * knows alone. Ratis' own method throws a NullPointerException if another thread recorded a
   * snapshot between the look and the update, which happened when the leader's log appender asked
   * for the latest snapshot while this node wrote its first one: the appender for that follower
   * stopped.
   */
  static final class SnapshotStorage extends SimpleStateMachineStorage {
    @Override
    public SingleFileSnapshotInfo updateLatestSnapshot(SingleFileSnapshotInfo info) {
      return info == null ? null : super.updateLatestSnapshot(info);
    }
  }
}
