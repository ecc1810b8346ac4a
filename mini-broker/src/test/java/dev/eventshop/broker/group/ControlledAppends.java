package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTopic;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * Appends to {@code __consumer_offsets} whose outcome the test decides: with {@code hold}, written
 * at once but reported committed (or failed) only when the test says so, as with acks=all
 * replication; with {@code refuse}, refused before anything is written, as a leader with too few
 * in-sync replicas does.
 */
final class ControlledAppends extends ForwardingCoordinatorTopic {

  volatile boolean hold;
  volatile boolean refuse;

  /**
   * Appends parked before anything is written, for the test to fail later ({@link #failParked}).
   */
  volatile boolean park;

  private final List<CompletableFuture<Void>> held = new ArrayList<>();
  private final List<CompletableFuture<Void>> parked = new ArrayList<>();

  ControlledAppends(CoordinatorTopic delegate) {
    super(delegate);
  }

  /**
   * A harness ({@link GroupHarness#config(int) config(0)}) whose writes to {@code
   * __consumer_offsets} go through a {@code ControlledAppends}, handed to {@code sink} when made:
   * again at each restart.
   */
  static GroupHarness harness(
      java.nio.file.Path dir, java.util.function.Consumer<ControlledAppends> sink) {
    return new GroupHarness(
        dir,
        GroupHarness.config(0),
        topic -> {
          ControlledAppends appends = new ControlledAppends(topic);
          sink.accept(appends);
          return appends;
        });
  }

  @Override
  public CompletableFuture<Void> append(int p, MemoryRecords records, long nowMs) {
    if (refuse) {
      return CompletableFuture.failedFuture(new NotEnoughReplicasException("too few in sync"));
    }
    if (park) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      synchronized (parked) {
        parked.add(f);
      }
      return f;
    }
    CompletableFuture<Void> written = delegate.append(p, records, nowMs);
    if (!hold) {
      return written;
    }
    CompletableFuture<Void> later = new CompletableFuture<>();
    synchronized (held) {
      held.add(later);
    }
    return later;
  }

  /** Fails the parked appends, which wrote nothing. */
  void failParked() {
    List<CompletableFuture<Void>> all;
    synchronized (parked) {
      all = List.copyOf(parked);
      parked.clear();
    }
    all.forEach(f -> f.completeExceptionally(new NotLeaderOrFollowerException("moved")));
  }

  void releaseAll() {
    takeHeld().forEach(f -> f.complete(null));
  }

  void failAll() {
    takeHeld().forEach(f -> f.completeExceptionally(new NotLeaderOrFollowerException("moved")));
  }

  private List<CompletableFuture<Void>> takeHeld() {
    synchronized (held) {
      List<CompletableFuture<Void>> all = List.copyOf(held);
      held.clear();
      return all;
    }
  }
}
