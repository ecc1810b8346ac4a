package dev.eventshop.broker.metadata;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * How our blocking Ratis calls retry (no leader yet, a leader that just failed, a follower that
 * points to the leader): soon and often at first, so a call finds a newly elected leader within
 * tens of milliseconds, and never past the deadline of the call, so a caller that gave up does not
 * leave a call retrying behind it. Ratis repeats a write under the same call id, so the leader's
 * retry cache applies it at most once.
 *
 * <p>The deadline belongs to the calling thread: Ratis' blocking client asks this policy on the
 * thread that made the call ({@link #call}). Thread-safe.
 */
final class DeadlineRetryPolicy implements RetryPolicy {

  /** A blocking Ratis call. */
  interface RaftCall<T> {
    T call() throws java.io.IOException;
  }

  private static final ThreadLocal<Long> DEADLINE_NANOS = new ThreadLocal<>();
  private static final long FIRST_SLEEP_MS = 10;
  private static final long MAX_SLEEP_MS = 100;

  /** Runs {@code call} on this thread; its retries stop once {@code timeout} has passed. */
  static <T> T call(Duration timeout, RaftCall<T> call) throws java.io.IOException {
    DEADLINE_NANOS.set(System.nanoTime() + timeout.toNanos());
    try {
      return call.call();
    } finally {
      DEADLINE_NANOS.remove();
    }
  }

  @Override
  public Action handleAttemptFailure(Event event) {
    Long deadline = DEADLINE_NANOS.get();
    long sleepMs =
        Math.min(MAX_SLEEP_MS, FIRST_SLEEP_MS << Math.min(4, Math.max(0, event.getAttemptCount())));
    if (deadline == null || System.nanoTime() + sleepMs * 1_000_000 >= deadline) {
      return NO_RETRY_ACTION;
    }
    TimeDuration sleep = TimeDuration.valueOf(sleepMs, TimeUnit.MILLISECONDS);
    return () -> sleep;
  }
}
