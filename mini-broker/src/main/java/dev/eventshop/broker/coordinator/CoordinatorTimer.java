package dev.eventshop.broker.coordinator;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The coordinator's clock and its delayed tasks (rebalance deadlines, session timeouts, offset
 * expiration). An interface so that tests move time by hand instead of sleeping.
 */
public interface CoordinatorTimer {

  /** A scheduled task that may still be cancelled. */
  interface Task {
    void cancel();
  }

  long nowMs();

  /** Runs {@code task} once after {@code delayMs}, on the timer's own thread. */
  Task schedule(long delayMs, Runnable task);

  /** Wall-clock time and a scheduler the broker owns (and shuts down). */
  static CoordinatorTimer of(ScheduledExecutorService scheduler) {
    return of(scheduler, System::currentTimeMillis);
  }

  static CoordinatorTimer of(ScheduledExecutorService scheduler, LongSupplier clock) {
    return new CoordinatorTimer() {
      @Override
      public long nowMs() {
        return clock.getAsLong();
      }

      @Override
      public Task schedule(long delayMs, Runnable task) {
        ScheduledFuture<?> future =
            scheduler.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        return () -> future.cancel(false);
      }
    };
  }
}
