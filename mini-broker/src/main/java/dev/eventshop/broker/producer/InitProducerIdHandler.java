package dev.eventshop.broker.producer;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.RequestContext;
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
 * InitProducerId for idempotent producers (the client default): a new producer id with epoch 0, or,
 * when a producer asks to bump the epoch of its id (v3+), the same id with the next epoch.
 * Transactional ids are refused: mini-broker does not implement transactions. Versions 0-4.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {

  private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);

  private final ProducerIdAllocator allocator;

  public InitProducerIdHandler(ProducerIdAllocator allocator) {
    this.allocator = allocator;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.INIT_PRODUCER_ID;
  }

  @Override
  public short minVersion() {
    return 0;
  }

  @Override
  public short maxVersion() {
    return 4;
  }

  @Override
  public CompletionStage<ApiMessage> handle(RequestContext context, InitProducerIdRequest request) {
    InitProducerIdResponseData response =
        new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
    if (request.data().transactionalId() != null) {
      log.warn(
          "{} asked for transactional id '{}'; transactions are not supported",
          context.clientId(),
          request.data().transactionalId());
      return CompletableFuture.completedFuture(
          response.setErrorCode(Errors.INVALID_REQUEST.code()));
    }
    long producerId = request.data().producerId();
    short epoch = request.data().producerEpoch();
    if (producerId != RecordBatch.NO_PRODUCER_ID && epoch >= 0 && epoch < Short.MAX_VALUE - 1) {
      response.setProducerId(producerId).setProducerEpoch((short) (epoch + 1));
    } else {
      response.setProducerId(allocator.nextProducerId()).setProducerEpoch((short) 0);
    }
    return CompletableFuture.completedFuture(response.setErrorCode(Errors.NONE.code()));
  }
}
