package dev.eventshop.broker.metadata;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster metadata as one node has applied it, at a position in the metadata log. On a voter
 * the Raft state machine applies the committed entries into it ({@link MetadataStateMachine}); on a
 * broker-only node (an observer, {@code process.roles=broker}) the {@link MetadataFetcher} applies
 * what it fetches from the quorum's leader. Both apply the same commands with {@link
 * MetadataApplier} in log order, so both reach the same states.
 *
 * <p>Two views of the state: {@link #state()} is the latest applied one (used by the controller);
 * {@link #published()} is what the broker serves and announces to listeners. Publishing starts only
 * once this node has caught up, i.e. has applied its own registration (which the log orders after
 * all history), so a restarting broker never serves or acts on a replay of old states.
 *
 * <p>A voter also keeps its most recent commands, so that it can answer an observer's fetch with
 * the commands it misses ({@link #changesAfter}), or with the whole state when they are older than
 * that.
 *
 * <p>Thread-safety: all changes, the waiters and listener calls are serialized by {@code lock}, so
 * listeners see states in log order. Reads are of volatile fields and never block.
 */
final class AppliedMetadata {

  private static final Logger log = LoggerFactory.getLogger(AppliedMetadata.class);

  /** The longest an observer's fetch is held open when there is nothing new. */
  static final Duration MAX_FETCH_WAIT = Duration.ofSeconds(5);

  /**
   * The state after the log entry at {@code index} of {@code term}; index -1 before any. An
   * observer knows no terms: its term is -1.
   */
  record Position(ClusterMetadata state, long term, long index) {}

  /** A command as the metadata log holds it. */
  record LoggedCommand(long index, byte[] bytes) {}

  /**
   * What an observer that has applied the log up to some index misses, up to {@code toIndex}: the
   * commands in between, or (when {@code snapshot} is not null) the whole state at {@code toIndex}.
   *
   * @param leaderId the quorum leader that answered: the cluster's controller
   */
  record Changes(
      int leaderId, long toIndex, ClusterMetadata snapshot, List<LoggedCommand> commands) {}

  private final String provisionalClusterId;
  private final int recentLimit;
  private final List<Consumer<ClusterMetadata>> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();

  /** Waiters for an applied index, completed once the log is applied up to it. */
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();

  /** Every command after index {@code recentAfter}, oldest first, at most recentLimit. */
  private final ArrayDeque<LoggedCommand> recent = new ArrayDeque<>();

  private long recentAfter = -1; // guarded by lock
  private boolean caughtUp; // guarded by lock
  private int leaderId = -1; // guarded by lock
  private volatile Position position;
  private volatile ClusterMetadata published;

  /**
   * @param provisionalClusterId shown as the cluster id until the quorum's is known (this node's
   *     recorded one, or empty)
   * @param recentLimit how many recent commands to keep for observers (0 on an observer)
   */
  AppliedMetadata(String provisionalClusterId, int recentLimit) {
    this.provisionalClusterId = provisionalClusterId;
    this.recentLimit = recentLimit;
    this.position = new Position(new ClusterMetadata(null, -1, Map.of(), Map.of()), -1, -1);
    this.published = forClients(position.state());
  }

  /** The latest applied state (cluster id null until chosen). */
  ClusterMetadata state() {
    return position.state();
  }

  /** The latest applied state with the log position it belongs to. */
  Position position() {
    return position;
  }

  long appliedIndex() {
    return position.index();
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
      List<CompletableFuture<Void>> atIndex =
          waiters.computeIfAbsent(index, i -> new ArrayList<>());
      // Fetches that timed out wait here too while nothing changes: drop them as others arrive.
      atIndex.removeIf(CompletableFuture::isDone);
      atIndex.add(future);
      return future;
    }
  }

  /** How many waiters are registered (for tests: timed-out fetches must not pile up). */
  int waitingCount() {
    synchronized (lock) {
      return waiters.values().stream().mapToInt(List::size).sum();
    }
  }

  // ---- applying the log

  /** Reads a logged command; null (and an error logged) when this node cannot read it. */
  static MetadataCommand decode(long index, byte[] bytes) {
    try {
      return MetadataCodec.decodeCommand(bytes);
    } catch (IllegalArgumentException e) {
      // Same code on every node, so every node skips it alike; the proposer learns why.
      log.error("metadata log entry {} cannot be read and is skipped: {}", index, e.toString());
      return null;
    }
  }

  /**
   * Applies the command logged at {@code index}; {@code command} is what {@link #decode} read from
   * {@code bytes} (null: unreadable, skipped).
   */
  CommandResult apply(long term, long index, MetadataCommand command, byte[] bytes) {
    CommandResult result;
    List<CompletableFuture<Void>> reached;
    synchronized (lock) {
      if (index <= position.index()) {
        throw new IllegalStateException(
            "metadata log entry %d applied after %d".formatted(index, position.index()));
      }
      ClusterMetadata state = position.state();
      if (command == null) {
        result = CommandResult.failed(Errors.UNSUPPORTED_VERSION, "unreadable command");
      } else {
        MetadataApplier.Outcome outcome = MetadataApplier.apply(state, command);
        result = outcome.result();
        state = outcome.next();
        if (result.isOk()) {
          log.debug("metadata {} applied: {}", index, command);
        } else {
          log.debug("metadata {} rejected: {} ({})", index, command, result);
        }
      }
      if (recentLimit > 0) {
        recent.addLast(new LoggedCommand(index, bytes));
        while (recent.size() > recentLimit) {
          recentAfter = recent.removeFirst().index();
        }
      }
      reached = moveTo(new Position(state, term, index));
    }
    complete(reached);
    return result;
  }

  /** A log entry without a command (a new leader's first entry): only the position moves. */
  void advance(long term, long index) {
    List<CompletableFuture<Void>> reached;
    synchronized (lock) {
      if (index <= position.index()) {
        return;
      }
      reached = moveTo(new Position(position.state(), term, index));
    }
    complete(reached);
  }

  /** Replaces the state with a snapshot taken at {@code index}. */
  void load(ClusterMetadata snapshot, long term, long index) {
    List<CompletableFuture<Void>> reached;
    synchronized (lock) {
      recent.clear();
      recentAfter = index;
      reached = moveTo(new Position(withController(snapshot, leaderId), term, index));
    }
    complete(reached);
  }

  /** The quorum has a new leader, so the cluster a new controller (-1: none known). */
  void setLeader(int leader) {
    synchronized (lock) {
      if (leader != leaderId) {
        leaderId = leader;
        Position p = position;
        position = new Position(withController(p.state(), leader), p.term(), p.index());
        publish();
      }
    }
  }

  /** Fails every waiter: nothing will be applied any more. */
  void close(Exception reason) {
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    synchronized (lock) {
      waiters.values().forEach(pending::addAll);
      waiters.clear();
    }
    pending.forEach(f -> f.completeExceptionally(reason));
  }

  // ---- serving observers, and being one

  /**
   * What a node that has applied the log up to {@code after} misses: the commands since, or the
   * whole state when this node no longer keeps them all.
   */
  Changes changesAfter(long after) {
    synchronized (lock) {
      Position p = position;
      if (after >= p.index()) {
        return new Changes(leaderId, Math.max(after, p.index()), null, List.of());
      }
      if (after < recentAfter || recentLimit == 0) {
        return new Changes(leaderId, p.index(), p.state(), List.of());
      }
      List<LoggedCommand> missed = new ArrayList<>();
      for (LoggedCommand c : recent) {
        if (c.index() > after) {
          missed.add(c);
        }
      }
      return new Changes(leaderId, p.index(), null, missed);
    }
  }

  /**
   * {@link #changesAfter} as a long poll: answers as soon as there is something after {@code
   * after}, or after {@code maxWait} (at most {@link #MAX_FETCH_WAIT}) with nothing. The answer is
   * put together on another thread than the one applying the log.
   */
  CompletableFuture<Changes> awaitChangesAfter(long after, Duration maxWait) {
    long waitMs = Math.max(0, Math.min(maxWait.toMillis(), MAX_FETCH_WAIT.toMillis()));
    return awaitApplied(after + 1)
        .completeOnTimeout(null, waitMs, TimeUnit.MILLISECONDS)
        .handleAsync((ignored, error) -> changesAfter(after));
  }

  /** An observer applies what it fetched; what it has applied already is skipped. */
  void follow(Changes changes) {
    setLeader(changes.leaderId()); // first, so that what it applies shows the controller
    if (changes.snapshot() != null) {
      if (changes.toIndex() > appliedIndex()) {
        load(changes.snapshot(), -1, changes.toIndex());
      }
    } else {
      for (LoggedCommand c : changes.commands()) {
        if (c.index() > appliedIndex()) {
          apply(-1, c.index(), decode(c.index(), c.bytes()), c.bytes());
        }
      }
      advance(-1, changes.toIndex());
    }
  }

  // ---- helpers (callers of moveTo and publish hold lock)

  /** Moves to {@code next}, publishes it if it differs, and returns the waiters it reached. */
  private List<CompletableFuture<Void>> moveTo(Position next) {
    boolean changed = !next.state().equals(position.state());
    position = next;
    if (changed) {
      publish();
    }
    List<CompletableFuture<Void>> reached = new ArrayList<>();
    while (!waiters.isEmpty() && waiters.firstKey() <= next.index()) {
      reached.addAll(waiters.pollFirstEntry().getValue());
    }
    return reached;
  }

  private void publish() {
    if (!caughtUp) {
      return;
    }
    ClusterMetadata next = forClients(position.state());
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

  private static void complete(List<CompletableFuture<Void>> reached) {
    reached.forEach(f -> f.complete(null));
  }

  private ClusterMetadata forClients(ClusterMetadata s) {
    if (s.clusterId() != null) {
      return s;
    }
    return s.withClusterId(provisionalClusterId);
  }

  private static ClusterMetadata withController(ClusterMetadata s, int controllerId) {
    return s.withControllerId(controllerId);
  }
}
