package dev.eventshop.broker.transaction;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;

/**
 * AddOffsetsToTxn: the transaction will commit offsets of a consumer group (the producer's {@code
 * sendOffsetsToTransaction}), so the group's {@code __consumer_offsets} partition joins the
 * transaction and gets its marker. The offsets themselves go to the group coordinator in
 * TxnOffsetCommit. Versions 0-4 (v4 only allows TRANSACTION_ABORTABLE, never answered here); a
 * producer of transaction version 2 does not send it: its TxnOffsetCommit adds the partition.
 */
public final class AddOffsetsToTxnHandler extends VersionedApiHandler<AddOffsetsToTxnRequest> {

  private final TransactionCoordinator coordinator;
  private final String offsetsTopic;
  private final ToIntFunction<String> offsetsPartitionOf;

  /**
   * @param offsetsPartitionOf the {@code __consumer_offsets} partition of a group id
   */
  public AddOffsetsToTxnHandler(
      TransactionCoordinator coordinator,
      String offsetsTopic,
      ToIntFunction<String> offsetsPartitionOf) {
    super(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4);
    this.coordinator = coordinator;
    this.offsetsTopic = offsetsTopic;
    this.offsetsPartitionOf = offsetsPartitionOf;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, AddOffsetsToTxnRequest request) {
    var data = request.data();
    if (data.groupId() == null || data.groupId().isEmpty()) {
      return CompletableFuture.completedFuture(
          new AddOffsetsToTxnResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()));
    }
    TopicPartition offsets =
        new TopicPartition(offsetsTopic, offsetsPartitionOf.applyAsInt(data.groupId()));
    return coordinator
        .addPartitions(
            data.transactionalId(),
            data.producerId(),
            data.producerEpoch(),
            List.of(offsets),
            (short) 0)
        .thenApply(
            error ->
                new AddOffsetsToTxnResponseData()
                    .setErrorCode(
                        TransactionApis.forVersion(error, context.apiVersion(), (short) 2).code()));
  }
}
