package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * A coordinator topic that passes every call on to another; a test overrides the calls it steps
 * into (see {@link GroupHarness}'s {@code wrapTopic}).
 */
abstract class ForwardingCoordinatorTopic implements CoordinatorTopic {

  final CoordinatorTopic delegate;

  ForwardingCoordinatorTopic(CoordinatorTopic delegate) {
    this.delegate = delegate;
  }

  @Override
  public int partitionCount() {
    return delegate.partitionCount();
  }

  @Override
  public boolean exists() {
    return delegate.exists();
  }

  @Override
  public PartitionLog partition(int p) throws IOException {
    return delegate.partition(p);
  }

  @Override
  public boolean isLocalLeader(int p) {
    return delegate.isLocalLeader(p);
  }

  @Override
  public int leaderEpoch(int p) {
    return delegate.leaderEpoch(p);
  }

  @Override
  public CompletableFuture<Void> append(int p, MemoryRecords records, long nowMs) {
    return delegate.append(p, records, nowMs);
  }

  @Override
  public long replay(int p, Consumer<RecordBatch> visitor) throws IOException {
    return delegate.replay(p, visitor);
  }
}
