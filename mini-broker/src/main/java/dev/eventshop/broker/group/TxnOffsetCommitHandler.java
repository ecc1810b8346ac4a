package dev.eventshop.broker.group;

import dev.eventshop.broker.protocol.PartitionAdder;
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
 * id, checked like a member's OffsetCommit; v4 only allows TRANSACTION_ABORTABLE. v5 is transaction
 * version 2 (KIP-890): the producer sent no AddOffsetsToTxn, so this broker adds the group's
 * partition to the transaction first.
 */
public final class TxnOffsetCommitHandler extends VersionedApiHandler<TxnOffsetCommitRequest> {

  /** The first version whose offsets add their partition to the transaction. */
  static final short FIRST_ADDING_VERSION = 5;

  private final GroupCoordinator coordinator;
  private final PartitionAdder adder;

  public TxnOffsetCommitHandler(GroupCoordinator coordinator, PartitionAdder adder) {
    super(ApiKeys.TXN_OFFSET_COMMIT, 0, 5);
    this.coordinator = coordinator;
    this.adder = adder;
  }

  @Override
  public CompletionStage<ApiMessage> handle(
      RequestContext context, TxnOffsetCommitRequest request) {
    TxnOffsetCommits commits = coordinator.txnOffsets();
    return (context.apiVersion() >= FIRST_ADDING_VERSION
            ? commits.commit(request.data(), adder)
            : commits.commit(request.data()))
        .thenApply(r -> r);
  }
}
