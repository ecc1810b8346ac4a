package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.MetadataCodec.BrokerStatus;
import dev.eventshop.broker.metadata.MetadataCommand.ElectLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.FenceBroker;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller's duties that depend on time, as KRaft's quorum controller has them: it
 * runs on every node but acts only while this node is the Raft leader (the controller is whoever
 * leads the metadata quorum). It keeps an in-memory failure detector fed by broker heartbeats,
 * proposes {@link FenceBroker} for a broker not heard from for the session timeout, proposes {@link
 * ElectLeaders} when a leaderless partition can be given a leader or (with {@code
 * auto.leader.rebalance.enable}) a preferred replica can take leadership back, and chooses the
 * cluster id once.
 *
 * <p>Heartbeats never reach the Raft log: only state changes (fence, unfence, elections) do. A
 * newly active controller has heard nobody yet, so it waits one session timeout (its grace period)
 * before it fences anyone.
 *
 * <p>The tick is scheduled only while this node is the active controller: the other voters have no
 * timed duties, and an idle cluster's voters should not wake up for nothing.
 *
 * <p>Thread-safety: heartbeats arrive on Ratis threads, {@link #tick()} runs on the store's
 * scheduler; shared fields are concurrent maps or volatile, a command is proposed at most once at a
 * time ({@code inFlight}), and the tick's schedule is guarded by this object's lock.
 */
final class ClusterController {

  private static final Logger log = LoggerFactory.getLogger(ClusterController.class);

  private final int nodeId;
  private final QuorumSettings settings;
  private final Supplier<ClusterMetadata> state;
  private final Function<MetadataCommand, CompletableFuture<CommandResult>> propose;
  private final Supplier<String> clusterIdProposal;
  private final LongSupplier nanoClock;
  private final Map<Integer, Long> lastHeardNanos = new ConcurrentHashMap<>();
  private final Set<MetadataCommand> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean active;
  private volatile long activeSinceNanos;
  private volatile long lastPreferredCheckNanos;
  private ScheduledExecutorService scheduler; // guarded by this; null until started
  private ScheduledFuture<?> ticking; // guarded by this; non-null while active and started

  /**
   * @param state the latest applied metadata
   * @param propose writes a command through the quorum
   * @param clusterIdProposal the cluster id this node proposes if the cluster has none yet
   */
  ClusterController(
      int nodeId,
      QuorumSettings settings,
      Supplier<ClusterMetadata> state,
      Function<MetadataCommand, CompletableFuture<CommandResult>> propose,
      Supplier<String> clusterIdProposal,
      LongSupplier nanoClock) {
    this.nodeId = nodeId;
    this.settings = settings;
    this.state = state;
    this.propose = propose;
    this.clusterIdProposal = clusterIdProposal;
    this.nanoClock = nanoClock;
  }

  /**
   * Runs {@link #tick()} on {@code scheduler} every half heartbeat interval while this node is the
   * active controller (it may already be: Ratis can elect it before this is called).
   */
  synchronized void start(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
    if (active) {
      startTicking();
    }
  }

  private synchronized void startTicking() {
    if (scheduler == null || ticking != null) {
      return;
    }
    long period = Math.max(10, settings.heartbeatInterval().toMillis() / 2);
    try {
      ticking =
          scheduler.scheduleWithFixedDelay(this::safeTick, period, period, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the store is closing
    }
  }

  private synchronized void stopTicking() {
    if (ticking != null) {
      ticking.cancel(false);
      ticking = null;
    }
  }

  boolean isActive() {
    return active;
  }

  /** This node leads the quorum and has applied all earlier entries. */
  void onLeaderReady() {
    long now = nanoClock.getAsLong();
    activeSinceNanos = now;
    lastPreferredCheckNanos = now;
    inFlight.clear();
    active = true;
    startTicking();
    log.info("node {} is now the active controller", nodeId);
    if (state.get().clusterId() == null) {
      proposeOnce(new InitCluster(clusterIdProposal.get()));
    }
  }

  void onLeadershipLost() {
    if (active) {
      active = false;
      log.info("node {} is no longer the active controller", nodeId);
    }
    stopTicking();
  }

  /** Records a heartbeat and tells the broker how the metadata sees it. */
  BrokerStatus onHeartbeat(int brokerId) {
    lastHeardNanos.put(brokerId, nanoClock.getAsLong());
    BrokerInfo broker = state.get().brokers().get(brokerId);
    if (broker == null) {
      return BrokerStatus.UNKNOWN;
    }
    return broker.fenced() ? BrokerStatus.FENCED : BrokerStatus.ACTIVE;
  }

  /** A registration is a sign of life too (it was applied from the broker's own request). */
  void onBrokerRegistered(int brokerId) {
    lastHeardNanos.put(brokerId, nanoClock.getAsLong());
  }

  /** One round of the controller's timed duties; does nothing unless active. */
  void tick() {
    if (!active) {
      return;
    }
    long now = nanoClock.getAsLong();
    ClusterMetadata current = state.get();
    long sessionNanos = settings.sessionTimeout().toNanos();
    for (BrokerInfo broker : current.brokers().values()) {
      if (broker.fenced()) {
        continue;
      }
      long heard =
          Math.max(lastHeardNanos.getOrDefault(broker.id(), Long.MIN_VALUE), activeSinceNanos);
      if (now - heard > sessionNanos
          && proposeOnce(new FenceBroker(broker.id(), false, settings.uncleanLeaderElection()))) {
        log.info(
            "broker {} not heard from for {} ms: fencing it",
            broker.id(),
            (now - heard) / 1_000_000);
      }
    }
    boolean preferredDue =
        settings.autoLeaderRebalance()
            && now - lastPreferredCheckNanos >= settings.preferredLeaderCheckInterval().toNanos();
    if (preferredDue) {
      lastPreferredCheckNanos = now;
    }
    ElectLeaders elect = new ElectLeaders(preferredDue, settings.uncleanLeaderElection());
    if (!MetadataApplier.apply(current, elect).next().equals(current)) {
      proposeOnce(elect);
    }
  }

  private void safeTick() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.error("controller tick failed", e);
    }
  }

  /** Proposes {@code command} unless the same one is still in flight; says whether it did. */
  private boolean proposeOnce(MetadataCommand command) {
    if (!inFlight.add(command)) {
      return false;
    }
    propose
        .apply(command)
        .whenComplete(
            (result, error) -> {
              inFlight.remove(command);
              if (error != null) {
                log.warn("controller could not write {}: {}", command, error.toString());
              } else if (!result.isOk()) {
                log.info("controller's {} was rejected: {}", command, result);
              }
            });
    return true;
  }
}
