package dev.eventshop.broker.coordinator;

import java.util.PriorityQueue;

/**
 * A clock that moves only when a test says so. Due tasks run on the test's thread, in the order
 * they fall due (and, at the same time, in the order they were scheduled); a task scheduled with no
 * delay while others run is run in the same pass.
 */
public final class ManualTimer implements CoordinatorTimer {

  private record Scheduled(long dueMs, long seq, Runnable task, boolean[] cancelled)
      implements Comparable<Scheduled> {
    @Override
    public int compareTo(Scheduled o) {
      return dueMs != o.dueMs ? Long.compare(dueMs, o.dueMs) : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
  private long now = 1_000_000;
  private long seq;

  @Override
  public synchronized long nowMs() {
    return now;
  }

  @Override
  public synchronized Task schedule(long delayMs, Runnable task) {
    boolean[] cancelled = {false};
    queue.add(new Scheduled(now + Math.max(0, delayMs), seq++, task, cancelled));
    return () -> cancelled[0] = true;
  }

  /** Runs every task due now, including those they schedule without a delay. */
  public void runDue() {
    advance(0);
  }

  /** Moves time forward, running every task that falls due on the way. */
  public void advance(long ms) {
    long target;
    synchronized (this) {
      target = now + ms;
    }
    while (true) {
      Scheduled next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.dueMs() > target) {
          now = target;
          return;
        }
        queue.poll();
        now = Math.max(now, next.dueMs());
      }
      if (!next.cancelled()[0]) {
        next.task().run();
      }
    }
  }
}
