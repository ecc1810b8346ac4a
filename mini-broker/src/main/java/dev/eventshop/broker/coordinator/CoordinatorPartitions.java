package dev.eventshop.broker.coordinator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions of a coordinator's topic this broker serves, for the group and the transaction
 * coordinator alike. A partition is LOADING while its state is read from the log, ACTIVE once it is
 * loaded, and RESIGNED once another broker leads it; requests get COORDINATOR_LOAD_IN_PROGRESS,
 * NONE and NOT_COORDINATOR for them ({@link #availability}), and COORDINATOR_NOT_AVAILABLE when a
 * load fails or after {@link #close()}. A partition never announced is loaded by the first request
 * for it when {@link CoordinatorTopic#isLocalLeader(int)} says this broker leads it: on a single
 * node no leadership change announces it. The coordinator supplies the two actions on its own
 * state: load a partition ({@link Load}) and drop everything of one.
 *
 * <p>Each loaded partition has a coordinator epoch: the leader epoch it was loaded in. The
 * transaction coordinator stamps it on its markers and reloads a partition when it leads it in a
 * new epoch ({@link #onBecomeLeader(int, int)}); the group coordinator does not use it ({@link
 * #onBecomeLeader(int)}).
 *
 * <p>Thread-safety: statuses are in a concurrent map and move by compare-and-set, so exactly one
 * thread, the one that moved a partition to LOADING, loads it, on its own thread and holding no
 * lock of this class; a resignation meanwhile wins, and what was loaded is dropped. Actions that
 * wait for a loading partition ({@link #whenLoaded}) are queued under the queue's own monitor and
 * run under it as the partition becomes active: they may take the coordinator's locks, so the
 * coordinator must not call {@link #whenLoaded} while it holds one.
 */
public final class CoordinatorPartitions {

  private static final Logger log = LoggerFactory.getLogger(CoordinatorPartitions.class);

  /** The coordinator epoch of a partition that has none (not loaded here). */
  public static final int NO_EPOCH = -1;

  /** How a coordinator loads the state it keeps for one partition. */
  @FunctionalInterface
  public interface Load {
    /**
     * Reads partition {@code p} from the log and installs its state in the coordinator; requests
     * for it are answered COORDINATOR_LOAD_IN_PROGRESS until it is active. Returns what to run once
     * the partition is active (possibly nothing). After a failure what it installed is dropped, and
     * the partition is loaded again by the next request or leadership change.
     */
    Runnable load(int p, int coordinatorEpoch) throws IOException;
  }

  private enum Status {
    LOADING,
    ACTIVE,
    RESIGNED
  }

  private final String topicName;
  private final String contents;
  private final CoordinatorTopic topic;
  private final Load load;
  private final IntConsumer drop;
  private final ConcurrentHashMap<Integer, Status> statuses = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, Integer> epochs = new ConcurrentHashMap<>();

  /** Actions waiting for loading partitions, run when the load is done. Guarded by itself. */
  private final Map<Integer, List<Runnable>> waiting = new HashMap<>();

  private volatile boolean closed;

  /**
   * @param topicName the topic's name, for logs
   * @param contents what a partition holds ("groups", "transactions"), for logs
   * @param load reads a partition's state into the coordinator
   * @param drop makes the coordinator forget all it holds of a partition
   */
  public CoordinatorPartitions(
      String topicName, String contents, CoordinatorTopic topic, Load load, IntConsumer drop) {
    this.topicName = topicName;
    this.contents = contents;
    this.topic = topic;
    this.load = load;
    this.drop = drop;
  }

  /**
   * This broker now leads partition {@code p} in {@code leaderEpoch}: loads it (synchronously)
   * unless another thread is loading it or it is already active in that epoch. Whatever is still
   * held of the partition, from an older epoch, is dropped first.
   */
  public void onBecomeLeader(int p, int leaderEpoch) {
    if (claim(p, status -> status == Status.ACTIVE && coordinatorEpoch(p) == leaderEpoch)) {
      drop.accept(p);
      loadClaimed(p, leaderEpoch);
    }
  }

  /**
   * This broker now leads partition {@code p}, for a coordinator that does not fence by epoch:
   * loads it (synchronously) unless another thread is loading it or it is active already. A
   * resigned partition's state was dropped when it resigned.
   */
  public void onBecomeLeader(int p) {
    if (claim(p, status -> status == Status.ACTIVE)) {
      loadClaimed(p, topic.leaderEpoch(p));
    }
  }

  /** Moves {@code p} to LOADING for this thread, unless it is LOADING already or {@code served}. */
  private boolean claim(int p, Predicate<Status> served) {
    while (true) {
      Status status = statuses.get(p);
      if (status == Status.LOADING || served.test(status)) {
        return false;
      }
      boolean claimed =
          status == null
              ? statuses.putIfAbsent(p, Status.LOADING) == null
              : statuses.replace(p, status, Status.LOADING);
      if (claimed) {
        return true;
      }
    }
  }

  /** This broker no longer leads partition {@code p}: its state is dropped, even mid-load. */
  public void onResign(int p) {
    statuses.put(p, Status.RESIGNED);
    epochs.remove(p);
    drop.accept(p);
  }

  /**
   * NONE when partition {@code p} is served here, else the error to answer a request for it with. A
   * partition never seen before is loaded now if this broker leads it.
   */
  public Errors availability(int p) {
    if (closed) {
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
    Status status = statuses.get(p);
    if (status != null) {
      return switch (status) {
        case ACTIVE -> Errors.NONE;
        case LOADING -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
        case RESIGNED -> Errors.NOT_COORDINATOR;
      };
    }
    try {
      if (!topic.isLocalLeader(p)) {
        return Errors.NOT_COORDINATOR;
      }
    } catch (RuntimeException e) {
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
    if (statuses.putIfAbsent(p, Status.LOADING) != null) {
      return availability(p); // another thread got there first
    }
    // A single node: nobody announces leadership, so the first request loads the partition.
    return loadClaimed(p, topic.leaderEpoch(p)) ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
  }

  /**
   * Loads a partition this thread moved to LOADING, then runs the actions that waited for it; a
   * resignation meanwhile wins. Whether the partition is active.
   */
  private boolean loadClaimed(int p, int coordinatorEpoch) {
    Runnable onActive;
    try {
      onActive = load.load(p, coordinatorEpoch);
    } catch (IOException | RuntimeException e) {
      synchronized (waiting) {
        waiting.remove(p);
        statuses.remove(p, Status.LOADING);
      }
      drop.accept(p);
      log.error("cannot load the {} of {}-{}", contents, topicName, p, e);
      return false;
    }
    epochs.put(p, coordinatorEpoch);
    boolean active;
    synchronized (waiting) {
      List<Runnable> queued = waiting.remove(p);
      active = statuses.replace(p, Status.LOADING, Status.ACTIVE);
      if (active && queued != null) {
        queued.forEach(Runnable::run);
      }
    }
    if (!active) {
      drop.accept(p); // resigned while loading
      return false;
    }
    onActive.run();
    return true;
  }

  /**
   * Runs {@code action} for partition {@code p} now, or, while {@code p} is loading, as soon as it
   * is active (under the queue's monitor, see the class comment); the action is dropped if the load
   * fails or the partition resigns meanwhile.
   */
  public void whenLoaded(int p, Runnable action) {
    synchronized (waiting) {
      if (statuses.get(p) == Status.LOADING) {
        waiting.computeIfAbsent(p, k -> new ArrayList<>()).add(action);
        return;
      }
    }
    action.run();
  }

  /** Whether any partition is loading now. */
  public boolean anyLoading() {
    return statuses.containsValue(Status.LOADING);
  }

  /** Whether partition {@code p} is loaded and served here. */
  public boolean isActive(int p) {
    return statuses.get(p) == Status.ACTIVE;
  }

  /** The leader epoch partition {@code p} was loaded in, or {@link #NO_EPOCH}. */
  public int coordinatorEpoch(int p) {
    return epochs.getOrDefault(p, NO_EPOCH);
  }

  /** Whether partition {@code p} is still served here, as loaded in {@code coordinatorEpoch}. */
  public boolean stillCoordinator(int p, int coordinatorEpoch) {
    return !closed && isActive(p) && coordinatorEpoch(p) == coordinatorEpoch;
  }

  /** From now on every partition is unavailable (COORDINATOR_NOT_AVAILABLE). */
  public void close() {
    closed = true;
  }

  /** Forgets every partition's status and epoch, as if none had been seen. */
  public void forgetAll() {
    statuses.clear();
    epochs.clear();
  }
}
