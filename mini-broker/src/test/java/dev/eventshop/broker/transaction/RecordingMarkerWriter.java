package dev.eventshop.broker.transaction;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link MarkerWriter} that writes nothing: it records each request, and the test completes or
 * fails its future as the partition leaders would.
 */
final class RecordingMarkerWriter implements MarkerWriter {

  /** One call of {@link #write}: the markers a coordinator asked for. */
  record Request(
      long producerId,
      short producerEpoch,
      int coordinatorEpoch,
      boolean commit,
      Set<TopicPartition> partitions,
      BooleanSupplier stillCoordinator,
      CompletableFuture<Void> written) {}

  private final List<Request> requests = new CopyOnWriteArrayList<>();

  @Override
  public CompletableFuture<Void> write(
      long producerId,
      short producerEpoch,
      int coordinatorEpoch,
      boolean commit,
      Set<TopicPartition> partitions,
      BooleanSupplier stillCoordinator) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    requests.add(
        new Request(
            producerId,
            producerEpoch,
            coordinatorEpoch,
            commit,
            Set.copyOf(partitions),
            stillCoordinator,
            written));
    return written;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** The only request so far. */
  Request single() {
    if (requests.size() != 1) {
      throw new AssertionError("expected one marker request, got " + requests);
    }
    return requests.get(0);
  }
}
