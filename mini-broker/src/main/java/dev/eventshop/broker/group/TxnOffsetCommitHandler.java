package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.VersionedApiHandler;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;

/**
 * TxnOffsetCommit (KIP-98): a transactional producer stores its consumer's positions in {@code
 * __consumer_offsets} as part of its transaction; they stay pending, invisible to OffsetFetch,
 * until the transaction's COMMIT marker (ABORT drops them). Answered once the records are
 * committed. v2+ carries leader epochs; v3+ (KIP-447) the member id, generation and group instance
 * id, checked like a member's OffsetCommit; v4 only allows TRANSACTION_ABORTABLE, which this broker
 * never answers. v5 is not advertised: it belongs to transactions version 2 (KIP-890), where this
 * request also adds the group to the transaction; with version 1, as here, the client calls
 * AddOffsetsToTxn on the transaction coordinator first.
 */
public final class TxnOffsetCommitHandler extends VersionedApiHandler<TxnOffsetCommitRequest> {

  private final GroupCoordinator coordinator;

  public TxnOffsetCommitHandler(GroupCoordinator coordinator) {
    super(ApiKeys.TXN_OFFSET_COMMIT, 0, 4);
    this.coordinator = coordinator;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, TxnOffsetCommitRequest request) {
    return coordinator.txnOffsets().commit(request.data()).thenApply(r -> r);
  }
}
