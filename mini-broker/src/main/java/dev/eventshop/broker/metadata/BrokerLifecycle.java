package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.MetadataCodec.BrokerStatus;
import dev.eventshop.broker.metadata.MetadataCommand.FenceBroker;
import dev.eventshop.broker.metadata.MetadataCommand.RegisterBroker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's side of its membership in the cluster (Kafka's broker lifecycle): it registers with
 * its advertised address when it starts, then heartbeats to the controller every heartbeat
 * interval. When the controller answers that it is fenced or unknown (it missed its session, or a
 * new controller never heard of it), it registers again, which unfences it. A controlled shutdown
 * asks the controller to move leadership away and fence it, and stops re-registering.
 *
 * <p>Thread-safety: runs on the store's scheduler and on completion callbacks; its flags are
 * volatile and each of registration and heartbeat has at most one request in flight.
 */
final class BrokerLifecycle {

  private static final Logger log = LoggerFactory.getLogger(BrokerLifecycle.class);

  private final RegisterBroker registration;
  private final QuorumSettings settings;
  private final Function<MetadataCommand, CompletableFuture<CommandResult>> propose;
  private final Supplier<CompletableFuture<BrokerStatus>> heartbeat;
  private final Runnable onFirstRegistration;
  private final CompletableFuture<Void> registered = new CompletableFuture<>();
  private volatile boolean active; // registered and not told otherwise since
  // At most one registration in flight: a second one, applied while this broker is unfenced, would
  // read as a restart and cost it its leaderships.
  private final AtomicBoolean registering = new AtomicBoolean();
  private volatile boolean heartbeatInFlight;
  private volatile boolean shuttingDown;

  /**
   * @param propose writes a command through the quorum, completing once applied on this node
   * @param heartbeat sends one heartbeat to the controller
   * @param onFirstRegistration run once this broker's first registration is applied on this node
   */
  BrokerLifecycle(
      RegisterBroker registration,
      QuorumSettings settings,
      Function<MetadataCommand, CompletableFuture<CommandResult>> propose,
      Supplier<CompletableFuture<BrokerStatus>> heartbeat,
      Runnable onFirstRegistration) {
    this.registration = registration;
    this.settings = settings;
    this.propose = propose;
    this.heartbeat = heartbeat;
    this.onFirstRegistration = onFirstRegistration;
  }

  void start(ScheduledExecutorService scheduler) {
    scheduler.execute(this::register);
    long period = settings.heartbeatInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::safeBeat, period, period, TimeUnit.MILLISECONDS);
  }

  /** Completes when this broker is first registered and this node has caught up to it. */
  CompletableFuture<Void> registered() {
    return registered;
  }

  /** Moves leadership away from this broker and fences it; waits at most {@code timeout}. */
  void controlledShutdown(Duration timeout) {
    shuttingDown = true;
    if (!registered.isDone()) {
      return; // never joined: nothing leads here
    }
    FenceBroker fence =
        new FenceBroker(registration.brokerId(), true, settings.uncleanLeaderElection());
    try {
      CommandResult result = propose.apply(fence).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (result.isOk()) {
        log.info(
            "broker {}: controlled shutdown: leaderships moved to other in-sync replicas",
            registration.brokerId());
      } else {
        log.warn("broker {}: controlled shutdown refused: {}", registration.brokerId(), result);
      }
    } catch (java.util.concurrent.TimeoutException e) {
      log.warn(
          "broker {}: controlled shutdown not confirmed within {} ms",
          registration.brokerId(),
          timeout.toMillis());
    } catch (ExecutionException e) {
      log.warn("broker {}: controlled shutdown failed: {}", registration.brokerId(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void register() {
    if (shuttingDown || !registering.compareAndSet(false, true)) {
      return;
    }
    propose
        .apply(registration)
        .whenComplete(
            (result, error) -> {
              registering.set(false);
              if (error != null || !result.isOk()) {
                log.info(
                    "broker {}: registration not done yet ({}); retrying",
                    registration.brokerId(),
                    error != null ? error.toString() : result);
                return;
              }
              active = true;
              if (!registered.isDone()) {
                log.info(
                    "broker {} registered at {}",
                    registration.brokerId(),
                    registration.endpoints());
                onFirstRegistration.run();
                registered.complete(null);
              } else {
                log.info("broker {} registered again and is unfenced", registration.brokerId());
              }
            });
  }

  private void beat() {
    if (shuttingDown) {
      return;
    }
    if (!active) {
      register(); // first registration not done yet, or the controller asked for a new one
    }
    // Heartbeats go on while registering: a broker catching up after a restart must not be
    // fenced for silence meanwhile.
    if (heartbeatInFlight) {
      return;
    }
    heartbeatInFlight = true;
    heartbeat
        .get()
        .whenComplete(
            (status, error) -> {
              heartbeatInFlight = false;
              if (error != null) {
                log.debug(
                    "broker {}: heartbeat failed: {}", registration.brokerId(), error.toString());
              } else if (status != BrokerStatus.ACTIVE && active && !shuttingDown) {
                log.info(
                    "broker {}: controller says {}; registering again",
                    registration.brokerId(),
                    status);
                active = false;
                register();
              }
            });
  }

  private void safeBeat() {
    try {
      beat();
    } catch (RuntimeException e) {
      log.error("broker {}: heartbeat round failed", registration.brokerId(), e);
    }
  }
}
