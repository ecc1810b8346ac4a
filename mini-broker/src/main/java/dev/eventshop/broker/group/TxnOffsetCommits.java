package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.protocol.PartitionAdder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offsets committed inside a transaction (KIP-98): a transactional producer that consumed records
 * sends its consumer's positions with TxnOffsetCommit, after AddOffsetsToTxn told the transaction
 * coordinator to include this group's {@code __consumer_offsets} partition. The offsets are written
 * as one transactional batch of the producer and stay pending, invisible to OffsetFetch, until the
 * transaction coordinator's marker commits or aborts them ({@link
 * GroupCoordinator#onTransactionCompleted}).
 *
 * <p>Pending from the moment the batch is appended rather than from its commit, as in Kafka: a
 * marker that arrives before the append's completion (the client gave up and the transaction was
 * aborted) then finds them, and the late completion adds nothing back.
 *
 * <p>Thread-safety: a group's offsets are read and changed under the group's lock.
 */
final class TxnOffsetCommits {

  private static final Logger log = LoggerFactory.getLogger(TxnOffsetCommits.class);

  private final GroupCoordinator coordinator;
  private final CoordinatorTimer timer;
  private final GroupStore store;

  TxnOffsetCommits(GroupCoordinator coordinator, CoordinatorTimer timer, GroupStore store) {
    this.coordinator = coordinator;
    this.timer = timer;
    this.store = store;
  }

  /**
   * The group is served here, and the request comes from a producer of InitProducerId (only its
   * producer id and epoch can write a transaction): NONE, or the error of every offset.
   */
  private Errors checkRequest(TxnOffsetCommitRequestData request) {
    Errors unavailable = coordinator.checkGroupId(request.groupId());
    if (unavailable != Errors.NONE) {
      return unavailable;
    }
    return request.producerId() < 0 || request.producerEpoch() < 0
        ? Errors.INVALID_PRODUCER_ID_MAPPING
        : Errors.NONE;
  }

  /**
   * TxnOffsetCommit of transaction version 2 (v5+, KIP-890): the producer did not send
   * AddOffsetsToTxn, so the group's {@code __consumer_offsets} partition is added to its
   * transaction first, through {@code adder}; then as {@link #commit(TxnOffsetCommitRequestData)}.
   * A partition that cannot be added fails every offset with the transaction coordinator's error.
   */
  CompletableFuture<TxnOffsetCommitResponseData> commit(
      TxnOffsetCommitRequestData request, PartitionAdder adder) {
    Errors invalid = checkRequest(request);
    if (invalid != Errors.NONE) {
      return done(allFailed(request, invalid));
    }
    TopicPartition offsetsPartition =
        new TopicPartition(OffsetsTopic.NAME, coordinator.partitionFor(request.groupId()));
    return adder
        .add(
            request.transactionalId(),
            request.producerId(),
            request.producerEpoch(),
            List.of(offsetsPartition))
        .thenCompose(
            errors -> {
              Errors error = errors.getOrDefault(offsetsPartition, Errors.UNKNOWN_SERVER_ERROR);
              return error == Errors.NONE ? commit(request) : done(allFailed(request, error));
            });
  }

  /**
   * Writes the offsets of a TxnOffsetCommit as pending offsets of its producer; answered once the
   * batch is committed to {@code __consumer_offsets}. A request with a member id or generation
   * (v3+) is checked like a member's OffsetCommit; one without is accepted whatever the group's
   * state, and creates the group if it does not exist yet. A request without a valid producer id
   * and epoch gets INVALID_PRODUCER_ID_MAPPING.
   */
  CompletableFuture<TxnOffsetCommitResponseData> commit(TxnOffsetCommitRequestData request) {
    Errors refused = checkRequest(request);
    if (refused != Errors.NONE) {
      return done(allFailed(request, refused));
    }
    String groupId = request.groupId();
    int generation = request.generationId();
    Group group = coordinator.group(groupId);
    if (group == null) {
      if (generation >= 0) {
        // A member of a group that does not exist (any more): it must rejoin.
        return done(allFailed(request, Errors.ILLEGAL_GENERATION));
      }
      group = coordinator.getOrCreateGroup(groupId);
    }
    long producerId = request.producerId();
    synchronized (group) {
      Errors invalid =
          OffsetCommits.validate(
              group, request.memberId(), request.groupInstanceId(), generation, true, -1);
      if (invalid != Errors.NONE) {
        coordinator.removeIfUnused(group);
        return done(allFailed(request, invalid));
      }
      long now = timer.nowMs();
      TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
      Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
      List<TxnOffsetCommitResponsePartition> written = new ArrayList<>();
      List<SimpleRecord> records = new ArrayList<>();
      for (TxnOffsetCommitRequestTopic topic : request.topics()) {
        TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(topic.name());
        response.topics().add(rt);
        for (TxnOffsetCommitRequestPartition p : topic.partitions()) {
          TxnOffsetCommitResponsePartition rp =
              new TxnOffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
          rt.partitions().add(rp);
          if (coordinator.offsets().metadataTooLarge(p.committedMetadata())) {
            rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
            continue;
          }
          TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
          CommittedOffset offset =
              new CommittedOffset(
                  p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(), now, -1);
          accepted.put(tp, offset);
          records.add(GroupStore.offsetRecord(groupId, tp, offset, now));
          written.add(rp);
        }
      }
      if (records.isEmpty()) {
        coordinator.removeIfUnused(group);
        return done(response);
      }
      long logOffset;
      try {
        logOffset = store.nextOffset(group.partition);
      } catch (IOException | RuntimeException e) {
        coordinator.removeIfUnused(group);
        return done(setErrors(response, written, GroupCoordinator.appendError(e, true)));
      }
      // Pending from now on; a failed append puts back what each offset replaced.
      Map<TopicPartition, StoredOffset> pending = new LinkedHashMap<>();
      Map<TopicPartition, StoredOffset> replaced = new HashMap<>();
      for (Map.Entry<TopicPartition, CommittedOffset> e : accepted.entrySet()) {
        StoredOffset stored = new StoredOffset(e.getValue(), logOffset);
        pending.put(e.getKey(), stored);
        replaced.put(e.getKey(), group.offsets.addPending(producerId, e.getKey(), stored));
      }
      Group target = group;
      CompletableFuture<Void> appended;
      try {
        appended =
            store.appendTransactional(
                group.partition, producerId, request.producerEpoch(), records, now);
      } catch (RuntimeException e) {
        appended = CompletableFuture.failedFuture(e); // withdrawn below like any failed append
      }
      return appended.handle(
          (ok, error) -> {
            if (error == null) {
              return setErrors(response, written, Errors.NONE);
            }
            log.warn(
                "cannot store transactional offsets of group {} for producer {}",
                groupId,
                producerId,
                error);
            synchronized (target) {
              pending.forEach(
                  (tp, stored) ->
                      target.offsets.withdrawPending(producerId, tp, stored, replaced.get(tp)));
              coordinator.removeIfUnused(target);
            }
            return setErrors(response, written, GroupCoordinator.appendError(error, true));
          });
    }
  }

  private static TxnOffsetCommitResponseData setErrors(
      TxnOffsetCommitResponseData response,
      List<TxnOffsetCommitResponsePartition> partitions,
      Errors error) {
    partitions.forEach(rp -> rp.setErrorCode(error.code()));
    return response;
  }

  private static TxnOffsetCommitResponseData allFailed(
      TxnOffsetCommitRequestData request, Errors error) {
    TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
    for (TxnOffsetCommitRequestTopic topic : request.topics()) {
      TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(topic.name());
      for (TxnOffsetCommitRequestPartition p : topic.partitions()) {
        rt.partitions()
            .add(
                new TxnOffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex())
                    .setErrorCode(error.code()));
      }
      response.topics().add(rt);
    }
    return response;
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
