package dev.eventshop.shop.load;

import dev.eventshop.shop.e2e.ShopClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Places orders at a fixed rate (open loop: the next order does not wait for the previous one) and
 * collects, per order, the time from sending its POST to seeing its final event.
 */
final class LoadRun {

  /** The mix of outcomes: 80% confirmed, 10% declined, 10% charged, out of stock and refunded. */
  enum Kind {
    CONFIRMED("dave", "STICKER-PACK", "OrderConfirmed"),
    DECLINED("bob", "STICKER-PACK", "OrderCancelled"),
    REFUNDED("dave", "MUG-SOLDOUT", "OrderCancelled");

    final String body;
    final String finalEvent;

    Kind(String customer, String sku, String finalEvent) {
      this.body = ShopClient.orderBody(customer, Map.of(sku, 1));
      this.finalEvent = finalEvent;
    }

    static Kind pick(Random random) {
      int r = random.nextInt(10);
      return r == 0 ? DECLINED : r == 1 ? REFUNDED : CONFIRMED;
    }
  }

  record Placed(String orderId, Kind kind, long sentAt) {}

  /** How long after the last order was placed the run waits for stragglers. */
  static final Duration DRAIN = Duration.ofMinutes(2);

  private final ShopClient client;
  private final OrderWatcher watcher;
  private final int rate;
  private final Random random = new Random(4);

  LoadRun(ShopClient client, OrderWatcher watcher, int rate) {
    this.client = client;
    this.watcher = watcher;
    this.rate = rate;
  }

  LoadResult place(int orders) throws InterruptedException {
    String load = LoadResult.loadAverage();
    Queue<Placed> placed = new ConcurrentLinkedQueue<>();
    Queue<Exception> failures = new ConcurrentLinkedQueue<>();
    ExecutorService senders = Executors.newFixedThreadPool(64);
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime();
    try {
      for (int i = 0; i < orders; i++) {
        LockSupport.parkNanos(start + i * period - System.nanoTime());
        Kind kind = Kind.pick(random);
        senders.execute(
            () -> {
              long sentAt = System.nanoTime();
              try {
                placed.add(new Placed(client.placeWithKey(kind.body, null), kind, sentAt));
              } catch (RuntimeException e) {
                failures.add(e);
              }
            });
      }
    } finally {
      senders.shutdown();
    }
    if (!senders.awaitTermination(DRAIN.toSeconds(), TimeUnit.SECONDS)) {
      senders.shutdownNow();
    }
    long placingEnded = System.nanoTime();
    long deadline = placingEnded + DRAIN.toNanos();
    while (System.nanoTime() < deadline && !allFinal(placed)) {
      Thread.sleep(100);
    }
    return result(orders, start, placingEnded, placed, failures.size(), load);
  }

  private boolean allFinal(Iterable<Placed> placed) {
    for (Placed p : placed) {
      if (watcher.finalOf(p.orderId()) == null) {
        return false;
      }
    }
    return true;
  }

  private LoadResult result(
      int orders, long start, long placingEnded, Iterable<Placed> placed, int failed, String load) {
    List<Long> latencies = new ArrayList<>();
    Map<Kind, Integer> asExpected = new EnumMap<>(Kind.class);
    int unexpected = 0;
    int unfinished = failed;
    long lastFinal = start;
    for (Placed p : placed) {
      OrderWatcher.Final f = watcher.finalOf(p.orderId());
      if (f == null) {
        unfinished++;
        continue;
      }
      latencies.add(f.seenAt() - p.sentAt());
      lastFinal = Math.max(lastFinal, f.seenAt());
      if (f.eventType().equals(p.kind().finalEvent)) {
        asExpected.merge(p.kind(), 1, Integer::sum);
      } else {
        unexpected++;
      }
    }
    return new LoadResult(
        orders,
        rate,
        orders / seconds(placingEnded - start),
        latencies.size() / seconds(lastFinal - start),
        latencies,
        asExpected,
        unexpected,
        unfinished,
        load);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
