package dev.eventshop.broker.transaction;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;

/**
 * DescribeTransactions ({@code kafka-transactions.sh describe}, {@code
 * Admin.describeTransactions}): the state, producer, timeout, start time and partitions of
 * transactional ids this broker coordinates. Version 0.
 */
public final class DescribeTransactionsHandler
    extends VersionedApiHandler<DescribeTransactionsRequest> {

  private final TransactionCoordinator coordinator;

  public DescribeTransactionsHandler(TransactionCoordinator coordinator) {
    super(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, DescribeTransactionsRequest request) {
    DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
    for (String id : request.data().transactionalIds()) {
      TransactionCoordinator.Described described = coordinator.describe(id);
      TransactionState state =
          new TransactionState()
              .setTransactionalId(id)
              .setErrorCode(described.error().code())
              .setTransactionState("")
              .setProducerId(-1)
              .setProducerEpoch((short) -1)
              .setTransactionStartTimeMs(-1);
      TransactionCoordinator.Description d = described.description();
      if (d != null) {
        state
            .setTransactionState(d.state().displayName())
            .setTransactionTimeoutMs(d.timeoutMs())
            .setTransactionStartTimeMs(d.startTimestampMs())
            .setProducerId(d.producerId())
            .setProducerEpoch(d.producerEpoch());
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : d.partitions()) {
          byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        byTopic.forEach(
            (topic, partitions) ->
                state.topics().add(new TopicData().setTopic(topic).setPartitions(partitions)));
      }
      response.transactionStates().add(state);
    }
    return CompletableFuture.completedFuture(response);
  }
}
