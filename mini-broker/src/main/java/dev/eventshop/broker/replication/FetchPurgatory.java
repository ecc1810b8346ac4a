package dev.eventshop.broker.replication;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Long-poll fetches waiting for data: a fetch that found fewer than {@code min.bytes} waits here,
 * watching its partitions, until a high watermark moves far enough or {@code max.wait.ms} passes.
 * Thread-safe; each waiter completes exactly once.
 */
public final class FetchPurgatory {

  /** A waiting fetch. {@link #tryComplete} and {@link #forceComplete} must be idempotent. */
  public interface Waiter {
    Set<TopicPartition> partitions();

    /** Completes the fetch if enough data is now available; returns whether it is complete. */
    boolean tryComplete();

    /** Completes the fetch with whatever is available. */
    void forceComplete();
  }

  private final Map<TopicPartition, Set<Waiter>> watchers = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;

  public FetchPurgatory(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  /** Watches the waiter's partitions until it completes or {@code maxWaitMs} passes. */
  public void watch(Waiter waiter, long maxWaitMs) {
    for (TopicPartition tp : waiter.partitions()) {
      watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(waiter);
    }
    // Data may have arrived between the first read and the registration.
    if (waiter.tryComplete()) {
      unwatch(waiter);
      return;
    }
    scheduler.schedule(
        () -> {
          unwatch(waiter);
          waiter.forceComplete();
        },
        maxWaitMs,
        TimeUnit.MILLISECONDS);
  }

  /** Wakes the fetches waiting on {@code tp}. */
  public void onHighWatermarkChange(TopicPartition tp) {
    Set<Waiter> waiting = watchers.get(tp);
    if (waiting == null) {
      return;
    }
    for (Waiter waiter : waiting) {
      if (waiter.tryComplete()) {
        unwatch(waiter);
      }
    }
  }

  private void unwatch(Waiter waiter) {
    for (TopicPartition tp : waiter.partitions()) {
      Set<Waiter> set = watchers.get(tp);
      if (set != null) {
        set.remove(waiter);
      }
    }
  }

  /** How many fetches wait now (for tests and metrics). */
  public int waiting() {
    return (int) watchers.values().stream().flatMap(Set::stream).distinct().count();
  }
}
