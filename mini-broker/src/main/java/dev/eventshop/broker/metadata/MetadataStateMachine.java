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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.common.protocol.Errors;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
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
 * The replicated state machine of the metadata quorum on one node: Ratis hands it the committed log
 * entries in order, it applies each {@link MetadataCommand} with {@link MetadataApplier} and keeps
 * the resulting {@link ClusterMetadata}; it writes that state as a single-file snapshot so a
 * restart loads it instead of replaying the whole log. Heartbeats arrive as read-only queries and
 * go to the {@link ClusterController}, never into the log.
 *
 * <p>Two views of the state: {@link #state()} is the latest applied one (used by the controller);
 * {@link #published()} is what the broker serves and announces to listeners. Publishing starts only
 * once this node has caught up, i.e. has applied its own registration (which the log orders after
 * all history), so a restarting broker never serves or acts on a replay of old states.
 *
 * <p>Thread-safety: entries are applied by Ratis' single updater thread; leader changes and
 * snapshot loads come from other Ratis threads. All state changes, the applied index and listener
 * calls are serialized by {@code lock}, so listeners see snapshots in commit order. Reads are of
 * volatile fields and never block.
 */
final class MetadataStateMachine extends BaseStateMachine {

  private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

  private final SimpleStateMachineStorage storage = new SnapshotStorage();
  private final ClusterController controller;
  private final String provisionalClusterId;
  private final List<Consumer<ClusterMetadata>> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();

  /** Waiters for an applied index, completed once the state machine reaches it. */
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();

  private volatile ClusterMetadata state;
  private volatile ClusterMetadata published;
  private boolean caughtUp; // guarded by lock
  private int leaderId = -1; // guarded by lock

  /**
   * @param provisionalClusterId shown as the cluster id until the quorum's is known (this node's
   *     recorded one, or empty)
   */
  MetadataStateMachine(ClusterController controller, String provisionalClusterId) {
    this.controller = controller;
    this.provisionalClusterId = provisionalClusterId;
    this.state = new ClusterMetadata(null, -1, Map.of(), Map.of());
    this.published = forClients(state);
  }

  /** The latest applied state (cluster id null until chosen). */
  ClusterMetadata state() {
    return state;
  }

  /** The state this broker serves: the latest applied one once caught up. */
  ClusterMetadata published() {
    return published;
  }

  void addListener(Consumer<ClusterMetadata> listener) {
    listeners.add(listener);
  }

  /** Starts publishing: this node has applied its own registration. */
  void markCaughtUp() {
    synchronized (lock) {
      if (!caughtUp) {
        caughtUp = true;
        publish();
      }
    }
  }

  /** Completes once this node has applied the log up to {@code index}. */
  CompletableFuture<Void> awaitApplied(long index) {
    synchronized (lock) {
      if (appliedIndex() >= index) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> future = new CompletableFuture<>();
      waiters.computeIfAbsent(index, i -> new ArrayList<>()).add(future);
      return future;
    }
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
    ClusterMetadata snapshot;
    TermIndex last;
    synchronized (lock) {
      snapshot = state;
      last = getLastAppliedTermIndex();
    }
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
      MetadataCodec.writeSnapshot(snapshot, out);
    }
    Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE);
    MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    storage.updateLatestSnapshot(
        new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
    log.debug("metadata snapshot at {} written to {}", last, file);
    return last.getIndex();
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
    List<CompletableFuture<Void>> reached;
    synchronized (lock) {
      state = withController(loaded, leaderId);
      setLastAppliedTermIndex(snapshot.getTermIndex());
      publish();
      reached = reachedWaiters();
    }
    complete(reached);
    log.info(
        "metadata snapshot {} loaded: {} brokers, {} topics",
        snapshot.getTermIndex(),
        loaded.brokers().size(),
        loaded.topics().size());
  }

  // ---- the log

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    CommandResult result;
    List<CompletableFuture<Void>> reached;
    MetadataCommand command = null;
    try {
      command =
          MetadataCodec.decodeCommand(entry.getStateMachineLogEntry().getLogData().toByteArray());
    } catch (IllegalArgumentException e) {
      // Same code on every node, so every node skips it alike; the proposer learns why.
      log.error("metadata log entry {} cannot be read and is skipped: {}", entry.getIndex(), e);
    }
    synchronized (lock) {
      if (command == null) {
        result = CommandResult.failed(Errors.UNSUPPORTED_VERSION, "unreadable command");
      } else {
        MetadataApplier.Outcome outcome = MetadataApplier.apply(state, command);
        result = outcome.result();
        if (!outcome.next().equals(state)) {
          state = outcome.next();
          publish();
        }
        if (result.isOk()) {
          log.debug("metadata {} applied: {}", entry.getIndex(), command);
        } else {
          log.debug("metadata {} rejected: {} ({})", entry.getIndex(), command, result);
        }
      }
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      reached = reachedWaiters();
    }
    complete(reached);
    if (command instanceof RegisterBroker r && result.isOk()) {
      controller.onBrokerRegistered(r.brokerId());
    }
    return CompletableFuture.completedFuture(message(MetadataCodec.encode(result)));
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    List<CompletableFuture<Void>> reached;
    synchronized (lock) {
      super.notifyTermIndexUpdated(term, index); // entries without a command (leader's first)
      reached = reachedWaiters();
    }
    complete(reached);
  }

  /** A heartbeat: only the leader answers it (Ratis refuses read-only requests elsewhere). */
  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      int brokerId = MetadataCodec.decodeHeartbeat(request.getContent().toByteArray());
      BrokerStatus status = controller.onHeartbeat(brokerId);
      return CompletableFuture.completedFuture(message(MetadataCodec.encode(status)));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  // ---- leadership

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    int leader = newLeaderId == null ? -1 : Integer.parseInt(newLeaderId.toString());
    synchronized (lock) {
      if (leader != leaderId) {
        leaderId = leader;
        state = withController(state, leader);
        publish();
      }
    }
    if (!Objects.equals(newLeaderId, getId())) {
      controller.onLeadershipLost();
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
    synchronized (lock) {
      for (List<CompletableFuture<Void>> pending : waiters.values()) {
        pending.forEach(f -> f.completeExceptionally(new IOException("metadata quorum closed")));
      }
      waiters.clear();
    }
    super.close();
  }

  // ---- helpers (callers of publish and reachedWaiters hold lock)

  private void publish() {
    if (!caughtUp) {
      return;
    }
    ClusterMetadata next = forClients(state);
    if (next.equals(published)) {
      return;
    }
    published = next;
    for (Consumer<ClusterMetadata> listener : listeners) {
      try {
        listener.accept(next);
      } catch (RuntimeException e) {
        log.error("metadata listener {} failed", listener, e);
      }
    }
  }

  /** Removes the waiters the applied index has reached; the caller completes them unlocked. */
  private List<CompletableFuture<Void>> reachedWaiters() {
    long applied = appliedIndex();
    List<CompletableFuture<Void>> reached = new ArrayList<>();
    while (!waiters.isEmpty() && waiters.firstKey() <= applied) {
      reached.addAll(waiters.pollFirstEntry().getValue());
    }
    return reached;
  }

  private static void complete(List<CompletableFuture<Void>> reached) {
    reached.forEach(f -> f.complete(null));
  }

  private long appliedIndex() {
    TermIndex last = getLastAppliedTermIndex();
    return last == null ? -1 : last.getIndex();
  }

  private ClusterMetadata forClients(ClusterMetadata s) {
    if (s.clusterId() != null) {
      return s;
    }
    return new ClusterMetadata(provisionalClusterId, s.controllerId(), s.brokers(), s.topics());
  }

  private static ClusterMetadata withController(ClusterMetadata s, int controllerId) {
    return new ClusterMetadata(s.clusterId(), controllerId, s.brokers(), s.topics());
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
