package dev.eventshop.broker.transaction;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.EndTxnRequest;

/**
 * EndTxn: the producer commits or aborts its transaction. Answered once the coordinator has
 * recorded the decision; the markers follow. Version 5 is transaction version 2 (KIP-890): the end
 * bumps the producer's epoch, and the answer carries the producer id and epoch to go on with. A
 * Java client sends it only when the cluster finalizes {@code transaction.version} 2.
 */
public final class EndTxnHandler extends VersionedApiHandler<EndTxnRequest> {

  private final TransactionCoordinator coordinator;

  public EndTxnHandler(TransactionCoordinator coordinator) {
    super(ApiKeys.END_TXN, 0, 5);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, EndTxnRequest request) {
    var data = request.data();
    return coordinator
        .endTransaction(
            data.transactionalId(),
            data.producerId(),
            data.producerEpoch(),
            data.committed(),
            context.apiVersion() >= 5)
        .thenApply(
            result ->
                new EndTxnResponseData()
                    .setErrorCode(
                        TransactionApis.forVersion(result.error(), context.apiVersion(), (short) 2)
                            .code())
                    .setProducerId(result.producerId())
                    .setProducerEpoch(result.producerEpoch()));
  }
}
