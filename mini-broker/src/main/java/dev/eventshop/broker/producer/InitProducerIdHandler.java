package dev.eventshop.broker.producer;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import dev.eventshop.broker.transaction.TransactionApis;
import dev.eventshop.broker.transaction.TransactionCoordinator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId. For idempotent producers (the client default): a new producer id with epoch 0,
 * or, when a producer asks to bump the epoch of its id (v3+), the same id with the next epoch. With
 * a transactional id the transaction coordinator answers (this broker must be the id's
 * coordinator). Versions 0-5; v6 adds two-phase commit (KIP-939), not supported.
 */
public final class InitProducerIdHandler extends VersionedApiHandler<InitProducerIdRequest> {

  private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);

  private final ProducerIdAllocator allocator;
  private final TransactionCoordinator transactions;

  public InitProducerIdHandler(ProducerIdAllocator allocator, TransactionCoordinator transactions) {
    super(ApiKeys.INIT_PRODUCER_ID, 0, 5);
    this.allocator = allocator;
    this.transactions = transactions;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, InitProducerIdRequest request) {
    InitProducerIdResponseData response =
        new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
    long producerId = request.data().producerId();
    short epoch = request.data().producerEpoch();
    String transactionalId = request.data().transactionalId();
    if (transactionalId != null) {
      if (transactionalId.isEmpty()) {
        return CompletableFuture.completedFuture(
            response.setErrorCode(Errors.INVALID_REQUEST.code()));
      }
      return transactions
          .initProducerId(transactionalId, request.data().transactionTimeoutMs(), producerId, epoch)
          .thenApply(
              result -> {
                Errors error =
                    TransactionApis.forVersion(result.error(), context.apiVersion(), (short) 4);
                if (error != Errors.NONE && error != Errors.CONCURRENT_TRANSACTIONS) {
                  log.debug("InitProducerId for '{}': {}", transactionalId, error);
                }
                return response
                    .setErrorCode(error.code())
                    .setProducerId(result.producerId())
                    .setProducerEpoch(result.producerEpoch());
              });
    }
    if (producerId != RecordBatch.NO_PRODUCER_ID && epoch >= 0 && epoch < Short.MAX_VALUE - 1) {
      response.setProducerId(producerId).setProducerEpoch((short) (epoch + 1));
    } else {
      response.setProducerId(allocator.nextProducerId()).setProducerEpoch((short) 0);
    }
    return CompletableFuture.completedFuture(response.setErrorCode(Errors.NONE.code()));
  }
}
