package dev.eventshop.broker.transaction;

import static dev.eventshop.broker.transaction.TransactionApis.allFailed;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.network.InterBrokerSender;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's {@link MarkerWriter}: finds each partition's leader in the cluster metadata, appends
 * the markers of partitions led here through {@link WriteTxnMarkersHandler#appendLocally} and sends
 * the others to their leaders as WriteTxnMarkers requests, over the inter-broker listener ({@link
 * InterBrokerSender}: one connection and sender thread per broker). Partitions that fail (leader
 * moved or unknown, replicas missing, broker unreachable) are tried again after a short backoff
 * until they succeed or the coordinator loses its partition.
 */
public final class TransactionMarkerSender implements MarkerWriter, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TransactionMarkerSender.class);

  private static final long RETRY_BACKOFF_MS = 100;
  private static final long MAX_RETRY_BACKOFF_MS = 1_000;
  private static final int REQUEST_TIMEOUT_MS = 40_000;

  private final int localBrokerId;
  private final Supplier<ClusterMetadata> metadata;
  private final String interBrokerListener;
  private final WriteTxnMarkersHandler local;
  private final ScheduledExecutorService scheduler;
  private final InterBrokerSender sender;
  private volatile boolean closed;

  private record Job(
      long producerId,
      short producerEpoch,
      int coordinatorEpoch,
      boolean commit,
      Set<TopicPartition> remaining,
      BooleanSupplier stillCoordinator,
      CompletableFuture<Void> done) {}

  public TransactionMarkerSender(
      int localBrokerId,
      Supplier<ClusterMetadata> metadata,
      String interBrokerListener,
      WriteTxnMarkersHandler local,
      ScheduledExecutorService scheduler) {
    this.localBrokerId = localBrokerId;
    this.metadata = metadata;
    this.interBrokerListener = interBrokerListener;
    this.local = local;
    this.scheduler = scheduler;
    this.sender =
        new InterBrokerSender("broker-" + localBrokerId + "-txn-marker-sender", REQUEST_TIMEOUT_MS);
  }

  @Override
  public CompletableFuture<Void> write(
      long producerId,
      short producerEpoch,
      int coordinatorEpoch,
      boolean commit,
      Set<TopicPartition> partitions,
      BooleanSupplier stillCoordinator) {
    Job job =
        new Job(
            producerId,
            producerEpoch,
            coordinatorEpoch,
            commit,
            ConcurrentHashMap.newKeySet(),
            stillCoordinator,
            new CompletableFuture<>());
    job.remaining().addAll(partitions);
    attempt(job, RETRY_BACKOFF_MS);
    return job.done();
  }

  private void attempt(Job job, long backoffMs) {
    if (job.remaining().isEmpty()) {
      job.done().complete(null);
      return;
    }
    if (closed || !job.stillCoordinator().getAsBoolean()) {
      job.done()
          .completeExceptionally(
              new NotCoordinatorException("no longer the coordinator of this transaction"));
      return;
    }
    ClusterMetadata cluster = metadata.get();
    Map<Integer, List<TopicPartition>> byLeader = new LinkedHashMap<>();
    boolean leaderMissing = false;
    for (TopicPartition tp : job.remaining()) {
      var info = cluster.partition(tp);
      if (info.isEmpty()) {
        job.remaining().remove(tp); // deleted: there is nothing left to mark
      } else if (info.get().leader() < 0) {
        leaderMissing = true;
      } else {
        byLeader.computeIfAbsent(info.get().leader(), id -> new ArrayList<>()).add(tp);
      }
    }
    List<CompletableFuture<Map<TopicPartition, Errors>>> sends = new ArrayList<>();
    byLeader.forEach(
        (leader, tps) ->
            sends.add(
                (leader == localBrokerId ? appendLocally(job, tps) : send(leader, job, tps))
                    .exceptionally(
                        e -> {
                          log.warn("writing markers to broker {} failed", leader, e);
                          return allFailed(tps, Errors.UNKNOWN_SERVER_ERROR); // tried again
                        })));
    boolean retryAnyway = leaderMissing;
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
        .whenCompleteAsync(
            (ignored, error) -> {
              boolean failed = retryAnyway;
              for (CompletableFuture<Map<TopicPartition, Errors>> send : sends) {
                for (Map.Entry<TopicPartition, Errors> e : send.join().entrySet()) {
                  Errors result = e.getValue();
                  if (result == Errors.TRANSACTION_COORDINATOR_FENCED) {
                    job.done()
                        .completeExceptionally(
                            new TransactionCoordinatorFencedException(
                                "a newer coordinator wrote to " + e.getKey()));
                    return;
                  }
                  if (result == Errors.NONE) {
                    job.remaining().remove(e.getKey());
                  } else if (result == Errors.INVALID_PRODUCER_EPOCH
                      || result == Errors.PRODUCER_FENCED) {
                    // A newer epoch of the producer already wrote there: this marker is moot.
                    log.warn(
                        "{} refused the marker of producer {} epoch {}: {}",
                        e.getKey(),
                        job.producerId(),
                        job.producerEpoch(),
                        result);
                    job.remaining().remove(e.getKey());
                  } else {
                    // Including UNKNOWN_TOPIC_OR_PARTITION: a leader whose metadata lags says so;
                    // a deleted topic is dropped above, by this broker's own metadata.
                    failed = true;
                    log.debug(
                        "marker for producer {} in {} not written yet: {}",
                        job.producerId(),
                        e.getKey(),
                        result);
                  }
                }
              }
              if (!failed || job.remaining().isEmpty()) {
                attempt(job, RETRY_BACKOFF_MS);
              } else {
                scheduler.schedule(
                    () -> attempt(job, Math.min(MAX_RETRY_BACKOFF_MS, backoffMs * 2)),
                    backoffMs,
                    TimeUnit.MILLISECONDS);
              }
            },
            scheduler);
  }

  private CompletableFuture<Map<TopicPartition, Errors>> appendLocally(
      Job job, List<TopicPartition> tps) {
    Map<TopicPartition, CompletableFuture<Errors>> appends = new LinkedHashMap<>();
    for (TopicPartition tp : tps) {
      appends.put(
          tp,
          local.appendLocally(
              tp, job.producerId(), job.producerEpoch(), job.coordinatorEpoch(), job.commit()));
    }
    return CompletableFuture.allOf(appends.values().toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              Map<TopicPartition, Errors> results = new HashMap<>();
              appends.forEach((tp, f) -> results.put(tp, f.join()));
              return results;
            });
  }

  private CompletableFuture<Map<TopicPartition, Errors>> send(
      int leader, Job job, List<TopicPartition> tps) {
    Optional<Node> node = metadata.get().liveNode(leader, interBrokerListener);
    if (node.isEmpty()) {
      return CompletableFuture.completedFuture(allFailed(tps, Errors.NOT_LEADER_OR_FOLLOWER));
    }
    Map<String, List<Integer>> byTopic = TransactionApis.partitionsByTopic(tps);
    WritableTxnMarker marker =
        new WritableTxnMarker()
            .setProducerId(job.producerId())
            .setProducerEpoch(job.producerEpoch())
            .setCoordinatorEpoch(job.coordinatorEpoch())
            .setTransactionResult(job.commit());
    byTopic.forEach(
        (topic, partitions) ->
            marker
                .topics()
                .add(new WritableTxnMarkerTopic().setName(topic).setPartitionIndexes(partitions)));
    return sender
        .<WriteTxnMarkersResponse>send(
            node.get(),
            ApiKeys.WRITE_TXN_MARKERS,
            (short) 1,
            new WriteTxnMarkersRequestData().setMarkers(List.of(marker)))
        .handle(
            (response, error) -> {
              if (error != null) {
                log.debug("cannot send markers to broker {}: {}", leader, error.toString());
                return allFailed(tps, Errors.NETWORK_EXCEPTION);
              }
              Map<TopicPartition, Errors> results = allFailed(tps, Errors.UNKNOWN_SERVER_ERROR);
              response
                  .data()
                  .markers()
                  .forEach(
                      m ->
                          m.topics()
                              .forEach(
                                  t ->
                                      t.partitions()
                                          .forEach(
                                              p ->
                                                  results.put(
                                                      new TopicPartition(
                                                          t.name(), p.partitionIndex()),
                                                      Errors.forCode(p.errorCode())))));
              return results;
            });
  }

  @Override
  public void close() {
    closed = true;
    sender.close();
  }
}
