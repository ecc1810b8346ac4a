package dev.eventshop.broker.transaction;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListTransactionsRequest;

/**
 * ListTransactions ({@code kafka-transactions.sh list}, {@code Admin.listTransactions}): the
 * transactional ids this broker coordinates, filtered by state, producer id and (v1) by having been
 * open for at least a duration. State names that do not exist are echoed back as unknown. Versions
 * 0-1; v2 adds a pattern filter (KIP-1152), not supported.
 */
public final class ListTransactionsHandler extends VersionedApiHandler<ListTransactionsRequest> {

  private final TransactionCoordinator coordinator;
  private final LongSupplier clock;

  public ListTransactionsHandler(TransactionCoordinator coordinator, LongSupplier clock) {
    super(ApiKeys.LIST_TRANSACTIONS, 0, 1);
    this.coordinator = coordinator;
    this.clock = clock;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, ListTransactionsRequest request) {
    var data = request.data();
    ListTransactionsResponseData response =
        new ListTransactionsResponseData().setErrorCode(Errors.NONE.code());
    Set<String> states = new HashSet<>();
    for (String name : data.stateFilters()) {
      if (TransactionState.byDisplayName(name).isPresent()) {
        states.add(name);
      } else {
        response.unknownStateFilters().add(name);
      }
    }
    Set<Long> producerIds = new HashSet<>(data.producerIdFilters());
    long minDurationMs = context.apiVersion() >= 1 ? data.durationFilter() : -1;
    long now = clock.getAsLong();
    List<TransactionCoordinator.Description> listed;
    try {
      listed = coordinator.list();
    } catch (CoordinatorLoadInProgressException e) {
      return CompletableFuture.completedFuture(
          response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()));
    }
    for (TransactionCoordinator.Description d : listed) {
      if (!data.stateFilters().isEmpty() && !states.contains(d.state().displayName())) {
        continue;
      }
      if (!producerIds.isEmpty() && !producerIds.contains(d.producerId())) {
        continue;
      }
      if (minDurationMs >= 0 && now - d.startTimestampMs() < minDurationMs) {
        continue;
      }
      response
          .transactionStates()
          .add(
              new ListTransactionsResponseData.TransactionState()
                  .setTransactionalId(d.transactionalId())
                  .setProducerId(d.producerId())
                  .setTransactionState(d.state().displayName()));
    }
    return CompletableFuture.completedFuture(response);
  }
}
