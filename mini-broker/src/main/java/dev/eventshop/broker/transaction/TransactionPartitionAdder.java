package dev.eventshop.broker.transaction;

import static dev.eventshop.broker.transaction.TransactionApis.allFailed;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.network.InterBrokerSender;
import dev.eventshop.broker.protocol.PartitionAdder;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds partitions to a producer's transaction on its behalf, for transaction version 2 (KIP-890):
 * the leader of a partition a producer writes to (Produce v12+) and the group coordinator it sends
 * offsets to (TxnOffsetCommit v5+) ask the transaction coordinator of the producer's transactional
 * id, directly when it is this broker, else with AddPartitionsToTxn v5 over the inter-broker
 * listener. The write is appended only once the coordinator has the partition, so its commit or
 * abort writes the marker that closes it.
 *
 * <p>CONCURRENT_TRANSACTIONS (the producer's previous transaction is still writing its markers,
 * common right after a commit) is retried every {@value #RETRY_BACKOFF_MS} ms for up to {@value
 * #RETRY_MAX_MS} ms before it is answered, as Kafka does with {@code
 * add.partitions.to.txn.retry.backoff.ms} and its maximum: a produce request is expensive for the
 * client to retry. An add that takes longer than {@value #TIMEOUT_MS} ms (a coordinator that is
 * listed but unreachable, a {@code __transaction_state} write that waits for replicas) is answered
 * REQUEST_TIMED_OUT, which clients retry, well before their own request timeout (30 s).
 */
public final class TransactionPartitionAdder implements PartitionAdder, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TransactionPartitionAdder.class);

  static final long RETRY_BACKOFF_MS = 20;
  static final long RETRY_MAX_MS = 100;
  static final int TIMEOUT_MS = 10_000;
  private static final short VERSION = 5;

  private final int localBrokerId;
  private final Supplier<ClusterMetadata> metadata;
  private final String interBrokerListener;
  private final TransactionCoordinator coordinator;
  private final ScheduledExecutorService scheduler;
  private final InterBrokerSender sender;

  public TransactionPartitionAdder(
      int localBrokerId,
      Supplier<ClusterMetadata> metadata,
      String interBrokerListener,
      TransactionCoordinator coordinator,
      ScheduledExecutorService scheduler) {
    this.localBrokerId = localBrokerId;
    this.metadata = metadata;
    this.interBrokerListener = interBrokerListener;
    this.coordinator = coordinator;
    this.scheduler = scheduler;
    this.sender = new InterBrokerSender("broker-" + localBrokerId + "-add-partitions", TIMEOUT_MS);
  }

  /**
   * Adds {@code partitions} to the transaction of {@code transactionalId} with the producer's id
   * and epoch; completes with the coordinator's answer per partition (NONE once added).
   * PRODUCER_FENCED is answered INVALID_PRODUCER_EPOCH, as Kafka's brokers pass it on.
   */
  @Override
  public CompletableFuture<Map<TopicPartition, Errors>> add(
      String transactionalId, long producerId, short epoch, Collection<TopicPartition> partitions) {
    List<TopicPartition> asked = List.copyOf(partitions);
    CompletableFuture<Map<TopicPartition, Errors>> result = new CompletableFuture<>();
    result.completeOnTimeout(
        allFailed(asked, Errors.REQUEST_TIMED_OUT), TIMEOUT_MS, TimeUnit.MILLISECONDS);
    attempt(
        transactionalId,
        producerId,
        epoch,
        asked,
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MAX_MS),
        result);
    return result;
  }

  private void attempt(
      String transactionalId,
      long producerId,
      short epoch,
      List<TopicPartition> partitions,
      long deadlineNanos,
      CompletableFuture<Map<TopicPartition, Errors>> result) {
    once(transactionalId, producerId, epoch, partitions)
        .whenComplete(
            (errors, failure) -> {
              if (failure != null) {
                log.warn("adding partitions to '{}' failed", transactionalId, failure);
                result.complete(allFailed(partitions, Errors.UNKNOWN_SERVER_ERROR));
              } else if (errors.containsValue(Errors.CONCURRENT_TRANSACTIONS)
                  && System.nanoTime() < deadlineNanos
                  && !result.isDone()) {
                try {
                  scheduler.schedule(
                      () ->
                          attempt(
                              transactionalId,
                              producerId,
                              epoch,
                              partitions,
                              deadlineNanos,
                              result),
                      RETRY_BACKOFF_MS,
                      TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                  result.complete(allFailed(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
                }
              } else {
                errors.replaceAll(
                    (tp, e) -> e == Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH : e);
                result.complete(errors);
              }
            });
  }

  private CompletableFuture<Map<TopicPartition, Errors>> once(
      String transactionalId, long producerId, short epoch, List<TopicPartition> partitions) {
    ClusterMetadata cluster = metadata.get();
    TopicPartition state =
        new TopicPartition(TransactionCoordinator.TOPIC, coordinator.partitionFor(transactionalId));
    int leader = cluster.partition(state).map(ClusterMetadata.PartitionInfo::leader).orElse(-1);
    if (leader == localBrokerId) {
      return coordinator
          .addPartitions(transactionalId, producerId, epoch, partitions, (short) 2)
          .thenApply(error -> allFailed(partitions, error));
    }
    Optional<Node> node =
        leader < 0 ? Optional.empty() : cluster.liveNode(leader, interBrokerListener);
    if (node.isEmpty()) {
      return CompletableFuture.completedFuture(
          allFailed(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
    }
    AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
    TransactionApis.partitionsByTopic(partitions)
        .forEach(
            (topic, ids) ->
                topics.add(new AddPartitionsToTxnTopic().setName(topic).setPartitions(ids)));
    AddPartitionsToTxnTransactionCollection transactions =
        new AddPartitionsToTxnTransactionCollection();
    transactions.add(
        new AddPartitionsToTxnTransaction()
            .setTransactionalId(transactionalId)
            .setProducerId(producerId)
            .setProducerEpoch(epoch)
            .setVerifyOnly(false)
            .setTopics(topics));
    return sender
        .<AddPartitionsToTxnResponse>send(
            node.get(),
            ApiKeys.ADD_PARTITIONS_TO_TXN,
            VERSION,
            new AddPartitionsToTxnRequestData().setTransactions(transactions))
        .handle(
            (response, failure) -> {
              if (failure != null) {
                log.debug(
                    "cannot reach transaction coordinator {}: {}", leader, failure.toString());
                return allFailed(partitions, Errors.NETWORK_EXCEPTION);
              }
              Errors top = Errors.forCode(response.data().errorCode());
              if (top != Errors.NONE) {
                return allFailed(partitions, top);
              }
              Map<TopicPartition, Errors> errors =
                  allFailed(partitions, Errors.UNKNOWN_SERVER_ERROR);
              errors.putAll(response.errors().getOrDefault(transactionalId, Map.of()));
              return errors;
            });
  }

  @Override
  public void close() {
    sender.close();
  }
}
