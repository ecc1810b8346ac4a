package dev.eventshop.broker.transaction;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WriteTxnMarkers (v1), from a transaction coordinator to the leaders of a transaction's
 * partitions: appends each COMMIT or ABORT marker as leader and answers once the in-sync replicas
 * have it. A marker in a {@code __consumer_offsets} partition also tells the group coordinator,
 * which then applies or drops the transaction's offsets. The coordinator on this broker calls
 * {@link #appendLocally} directly for the partitions led here.
 */
public final class WriteTxnMarkersHandler extends VersionedApiHandler<WriteTxnMarkersRequest> {

  private static final Logger log = LoggerFactory.getLogger(WriteTxnMarkersHandler.class);

  /** How long a marker may wait for the in-sync replicas before the coordinator tries again. */
  static final long MARKER_TIMEOUT_MS = 30_000;

  /** Told of each marker written to a partition led here, off the partition's lock. */
  @FunctionalInterface
  public interface CompletionListener {
    void onTransactionCompleted(TopicPartition tp, long producerId, boolean commit);
  }

  private final Replicas replicas;
  private final Supplier<ClusterMetadata> metadata;
  private final CompletionListener listener;
  private final Executor callbacks;

  /**
   * @param callbacks runs the listener: a marker's append completes under its partition's lock, and
   *     the group coordinator takes its own locks in the opposite order
   */
  public WriteTxnMarkersHandler(
      Replicas replicas,
      Supplier<ClusterMetadata> metadata,
      CompletionListener listener,
      Executor callbacks) {
    super(ApiKeys.WRITE_TXN_MARKERS, 1, 1);
    this.replicas = replicas;
    this.metadata = metadata;
    this.listener = listener;
    this.callbacks = callbacks;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, WriteTxnMarkersRequest request) {
    WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
    List<CompletableFuture<?>> waits = new ArrayList<>();
    for (WritableTxnMarker marker : request.data().markers()) {
      WritableTxnMarkerResult markerResult =
          new WritableTxnMarkerResult().setProducerId(marker.producerId());
      response.markers().add(markerResult);
      for (WritableTxnMarkerTopic topic : marker.topics()) {
        WritableTxnMarkerTopicResult topicResult =
            new WritableTxnMarkerTopicResult().setName(topic.name());
        markerResult.topics().add(topicResult);
        for (int index : topic.partitionIndexes()) {
          WritableTxnMarkerPartitionResult partitionResult =
              new WritableTxnMarkerPartitionResult().setPartitionIndex(index);
          topicResult.partitions().add(partitionResult);
          waits.add(
              appendLocally(
                      new TopicPartition(topic.name(), index),
                      marker.producerId(),
                      marker.producerEpoch(),
                      marker.coordinatorEpoch(),
                      marker.transactionResult())
                  .thenAccept(error -> partitionResult.setErrorCode(error.code())));
        }
      }
    }
    return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
        .thenApply(ignored -> response);
  }

  /**
   * Appends one marker to a partition this broker leads; completes (never exceptionally) with NONE
   * once the in-sync replicas have it, or with the error to answer.
   */
  public CompletableFuture<Errors> appendLocally(
      TopicPartition tp, long producerId, short epoch, int coordinatorEpoch, boolean commit) {
    Partition partition = replicas.get(tp).orElse(null);
    if (partition == null) {
      return CompletableFuture.completedFuture(
          metadata.get().partition(tp).isPresent()
              ? Errors.NOT_LEADER_OR_FOLLOWER
              : Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }
    CompletableFuture<?> appended;
    try {
      appended =
          partition.appendMarker(
              producerId, epoch, coordinatorEpoch, commit, System.currentTimeMillis());
    } catch (IOException e) {
      log.error("{}: cannot append a transaction marker", tp, e);
      return CompletableFuture.completedFuture(Errors.KAFKA_STORAGE_ERROR);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Errors.forException(e));
    }
    return appended
        .orTimeout(MARKER_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .handleAsync(
            (ok, error) -> {
              if (error == null) {
                try {
                  listener.onTransactionCompleted(tp, producerId, commit);
                } catch (RuntimeException e) {
                  // The marker is in the log; a coordinator loading the partition replays it.
                  log.error("{}: applying the marker of producer {} failed", tp, producerId, e);
                }
                return Errors.NONE;
              }
              Throwable cause = Errors.maybeUnwrapException(error);
              return cause instanceof TimeoutException
                  ? Errors.REQUEST_TIMED_OUT
                  : Errors.forException(cause);
            },
            callbacks);
  }
}
