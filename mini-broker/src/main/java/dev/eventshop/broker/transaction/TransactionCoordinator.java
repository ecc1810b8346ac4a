package dev.eventshop.broker.transaction;

import dev.eventshop.broker.coordinator.CoordinatorPartitions;
import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.producer.ProducerIdAllocator;
import dev.eventshop.broker.transaction.TransactionStateFormat.Snapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator (KIP-98): owns the transactional ids that hash to the {@code
 * __transaction_state} partitions this broker leads, hands out their producer ids and epochs,
 * records which partitions each open transaction wrote to, and ends transactions by writing COMMIT
 * or ABORT markers into those partitions through a {@link MarkerWriter}.
 *
 * <p>Every state change is written to {@code __transaction_state} first and applied (and answered)
 * once it is committed there, so a new coordinator replays the partition and carries on: it
 * finishes transactions that were preparing to commit or abort, and aborts open ones after their
 * timeout. Its coordinator epoch (the partition's leader epoch) fences markers from an older one.
 *
 * <p>Transaction version 1 semantics, as Kafka's clients use them unless the cluster enables
 * transaction version 2: the producer adds partitions (AddPartitionsToTxn) and groups
 * (AddOffsetsToTxn) before writing to them, and EndTxn is answered once the prepare record is
 * committed, before the markers are written; until they are, the next request for the id gets
 * CONCURRENT_TRANSACTIONS and the client retries.
 *
 * <p>Which partitions are served here, and their loading, is kept by {@link CoordinatorPartitions};
 * a partition is reloaded when this broker leads it in a new epoch.
 *
 * <p>Thread-safety: the registry is a concurrent map; each id's {@link TransactionMetadata} is
 * guarded by its own monitor, and a state change being written holds it {@code pending}, so
 * requests racing with it get CONCURRENT_TRANSACTIONS. No method holds two monitors at once.
 */
public final class TransactionCoordinator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);

  /** The internal topic holding the transaction state. */
  public static final String TOPIC = "__transaction_state";

  /** An InitProducerId answer. */
  public record InitResult(Errors error, long producerId, short producerEpoch) {
    static InitResult failed(Errors error) {
      return new InitResult(error, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH);
    }
  }

  /** What DescribeTransactions and ListTransactions show of one transactional id. */
  public record Description(
      String transactionalId,
      TransactionState state,
      long producerId,
      short producerEpoch,
      int timeoutMs,
      long startTimestampMs,
      Set<TopicPartition> partitions) {}

  private final TransactionConfig config;
  private final CoordinatorTopic topic;
  private final CoordinatorTimer timer;
  private final ProducerIdAllocator producerIds;
  private final MarkerWriter markers;
  private final ConcurrentHashMap<String, TransactionMetadata> transactions =
      new ConcurrentHashMap<>();
  private final CoordinatorPartitions partitions;
  private volatile boolean closed;
  private final Map<String, CoordinatorTimer.Task> periodic = new ConcurrentHashMap<>();

  public TransactionCoordinator(
      TransactionConfig config,
      CoordinatorTopic topic,
      CoordinatorTimer timer,
      ProducerIdAllocator producerIds,
      MarkerWriter markers) {
    this.config = config;
    this.topic = topic;
    this.timer = timer;
    this.producerIds = producerIds;
    this.markers = markers;
    this.partitions =
        new CoordinatorPartitions(TOPIC, "transactions", topic, this::load, this::dropTransactions);
    every(config.abortTimedOutIntervalMs(), "aborting timed-out transactions", this::abortTimedOut);
    every(config.idExpirationIntervalMs(), "expiring transactional ids", this::expireIds);
  }

  /** The {@code __transaction_state} partition of {@code transactionalId}, as Kafka computes it. */
  public int partitionFor(String transactionalId) {
    return Utils.abs(transactionalId.hashCode()) % config.stateTopicPartitions();
  }

  // ---------------------------------------------------------------- partition ownership

  /** This broker now leads partition {@code p} in {@code leaderEpoch}: load its transactions. */
  public void onBecomeLeader(int p, int leaderEpoch) {
    partitions.onBecomeLeader(p, leaderEpoch);
  }

  /** This broker no longer leads partition {@code p}: forget its transactions. */
  public void onResign(int p) {
    partitions.onResign(p);
    log.info("resigned as transaction coordinator for {}-{}", TOPIC, p);
  }

  private void dropTransactions(int p) {
    transactions.values().removeIf(m -> m.partition == p);
  }

  /**
   * Registers the transactions of partition {@code p}; once it is active, finishes those the
   * coordinator before us was ending.
   */
  private Runnable load(int p, int coordinatorEpoch) throws IOException {
    List<TransactionMetadata> loaded = read(p);
    for (TransactionMetadata m : loaded) {
      transactions.put(m.transactionalId, m);
    }
    return () -> {
      for (TransactionMetadata m : loaded) {
        synchronized (m) {
          if (m.state.isPreparing()) {
            // The coordinator before us prepared it and may not have written every marker.
            writeMarkersAndComplete(m);
          }
        }
      }
      if (!loaded.isEmpty()) {
        log.info(
            "loaded {} transactional ids of {}-{} in coordinator epoch {}",
            loaded.size(),
            TOPIC,
            p,
            coordinatorEpoch);
      }
    };
  }

  /** The latest state of every transactional id in partition {@code p}'s log. */
  private List<TransactionMetadata> read(int p) throws IOException {
    Map<String, Snapshot> latest = new java.util.LinkedHashMap<>();
    topic.replay(
        p,
        batch -> {
          if (batch.isControlBatch()) {
            return;
          }
          for (Record record : batch) {
            if (!record.hasKey()) {
              continue;
            }
            try {
              String id = TransactionStateFormat.transactionalId(record.key());
              latest.put(
                  id, record.hasValue() ? TransactionStateFormat.decode(record.value()) : null);
            } catch (RuntimeException e) {
              log.warn(
                  "{}-{}: skipping the record at offset {} that cannot be decoded: {}",
                  TOPIC,
                  p,
                  record.offset(),
                  e.toString());
            }
          }
        });
    List<TransactionMetadata> loaded = new ArrayList<>();
    latest.forEach(
        (id, snapshot) -> {
          if (snapshot != null) {
            TransactionMetadata m = new TransactionMetadata(id, p, snapshot.producerId());
            m.apply(snapshot);
            loaded.add(m);
          }
        });
    return loaded;
  }

  // ---------------------------------------------------------------- requests

  /**
   * InitProducerId with a transactional id: the id's producer id with the next epoch (fencing any
   * older producer with the same id), a new producer id the first time. An open transaction is
   * aborted first (the answer is then CONCURRENT_TRANSACTIONS and the client retries). With {@code
   * expectedProducerId} (KIP-360, v3+) the producer asks to bump its own epoch; a retry of a bump
   * that already happened gets the same answer. For an id without an epoch here (new, or expired
   * while its producer was idle) there is no producer to fence, and the producer gets a new one.
   */
  public CompletableFuture<InitResult> initProducerId(
      String transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch) {
    if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) {
      return done(InitResult.failed(Errors.INVALID_TRANSACTION_TIMEOUT));
    }
    int p = partitionFor(transactionalId);
    Errors availability = partitions.availability(p);
    if (availability != Errors.NONE) {
      return done(InitResult.failed(availability));
    }
    TransactionMetadata m =
        transactions.computeIfAbsent(
            transactionalId, id -> new TransactionMetadata(id, p, producerIds.nextProducerId()));
    synchronized (m) {
      if (m.pending || m.state.isPreparing() || m.state == TransactionState.DEAD) {
        return done(InitResult.failed(Errors.CONCURRENT_TRANSACTIONS));
      }
      if (expectedProducerId != RecordBatch.NO_PRODUCER_ID
          && m.producerEpoch != RecordBatch.NO_PRODUCER_EPOCH) {
        boolean current = expectedProducerId == m.producerId && expectedEpoch == m.producerEpoch;
        boolean retried =
            expectedProducerId == m.lastProducerId && expectedEpoch == m.lastProducerEpoch;
        if (retried && m.state.isIdle()) {
          return done(new InitResult(Errors.NONE, m.producerId, m.producerEpoch));
        }
        if (!current) {
          return done(InitResult.failed(Errors.PRODUCER_FENCED));
        }
      }
      if (m.state == TransactionState.ONGOING) {
        log.info(
            "aborting the open transaction of '{}': a producer with its id started",
            transactionalId);
        prepareEnd(m, false, true);
        return done(InitResult.failed(Errors.CONCURRENT_TRANSACTIONS));
      }
      long producerId = m.producerId;
      short epoch = (short) (m.producerEpoch + 1);
      if (m.producerEpoch >= Short.MAX_VALUE - 1) {
        producerId = producerIds.nextProducerId(); // epochs exhausted: a new producer id
        epoch = 0;
      }
      long now = timer.nowMs();
      Snapshot next =
          new Snapshot(producerId, epoch, timeoutMs, TransactionState.EMPTY, Set.of(), now, -1);
      // Only a producer bumping its own epoch may retry with the pair it had. A new producer fences
      // the pair before it for good: a zombie presenting it must not take over the new epoch.
      boolean ownBump = expectedProducerId != RecordBatch.NO_PRODUCER_ID;
      long previousId = ownBump ? m.producerId : RecordBatch.NO_PRODUCER_ID;
      short previousEpoch = ownBump ? m.producerEpoch : RecordBatch.NO_PRODUCER_EPOCH;
      return persist(m, next)
          .thenApply(
              error -> {
                if (error != Errors.NONE) {
                  return InitResult.failed(error);
                }
                synchronized (m) {
                  m.lastProducerId = previousId;
                  m.lastProducerEpoch = previousEpoch;
                }
                return new InitResult(Errors.NONE, next.producerId(), next.producerEpoch());
              });
    }
  }

  /**
   * AddPartitionsToTxn and AddOffsetsToTxn: the transaction of {@code transactionalId} will write
   * to {@code added}; opens the transaction if none is open.
   */
  public CompletableFuture<Errors> addPartitions(
      String transactionalId, long producerId, short epoch, Collection<TopicPartition> added) {
    return withCurrentProducer(
        transactionalId,
        producerId,
        epoch,
        m -> {
          if (m.state.isPreparing()) {
            return done(Errors.CONCURRENT_TRANSACTIONS); // retried once its markers are written
          }
          if (m.state == TransactionState.ONGOING && m.partitions.containsAll(added)) {
            return done(Errors.NONE);
          }
          Set<TopicPartition> all = new LinkedHashSet<>(m.partitions);
          all.addAll(added);
          long now = timer.nowMs();
          long start = m.state == TransactionState.ONGOING ? m.startTimestampMs : now;
          return persist(
              m,
              new Snapshot(
                  m.producerId,
                  m.producerEpoch,
                  m.timeoutMs,
                  TransactionState.ONGOING,
                  all,
                  now,
                  start));
        });
  }

  /**
   * EndTxn: commits or aborts the open transaction. Answered once the prepare record is committed;
   * the markers follow. A retry after the transaction ended the same way succeeds.
   */
  public CompletableFuture<Errors> endTransaction(
      String transactionalId, long producerId, short epoch, boolean commit) {
    return withCurrentProducer(
        transactionalId,
        producerId,
        epoch,
        m ->
            switch (m.state) {
              case ONGOING -> prepareEnd(m, commit, false);
              case COMPLETE_COMMIT -> done(commit ? Errors.NONE : Errors.INVALID_TXN_STATE);
              case COMPLETE_ABORT -> done(commit ? Errors.INVALID_TXN_STATE : Errors.NONE);
              case PREPARE_COMMIT ->
                  done(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
              case PREPARE_ABORT ->
                  done(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS);
              default -> done(Errors.INVALID_TXN_STATE);
            });
  }

  /**
   * What AddPartitionsToTxn, AddOffsetsToTxn and EndTxn check first: the id is served here, and the
   * request comes from its current producer while no state change of it is being written. Then
   * {@code step} answers, holding the monitor of the id's metadata.
   */
  private CompletableFuture<Errors> withCurrentProducer(
      String transactionalId,
      long producerId,
      short epoch,
      Function<TransactionMetadata, CompletableFuture<Errors>> step) {
    Errors availability = partitions.availability(partitionFor(transactionalId));
    if (availability != Errors.NONE) {
      return done(availability);
    }
    TransactionMetadata m = transactions.get(transactionalId);
    if (m == null) {
      return done(Errors.INVALID_PRODUCER_ID_MAPPING);
    }
    synchronized (m) {
      if (m.producerId != producerId) {
        return done(Errors.INVALID_PRODUCER_ID_MAPPING);
      }
      if (m.producerEpoch != epoch) {
        return done(Errors.PRODUCER_FENCED);
      }
      if (m.pending || m.state == TransactionState.DEAD) {
        return done(Errors.CONCURRENT_TRANSACTIONS);
      }
      return step.apply(m);
    }
  }

  /** A transactional id described, or why it cannot be described here (description null). */
  public record Described(Errors error, Description description) {}

  /** DescribeTransactions: each transactional id asked for. */
  public Described describe(String transactionalId) {
    Errors availability = partitions.availability(partitionFor(transactionalId));
    if (availability != Errors.NONE) {
      return new Described(availability, null);
    }
    TransactionMetadata m = transactions.get(transactionalId);
    return m == null
        ? new Described(Errors.TRANSACTIONAL_ID_NOT_FOUND, null)
        : new Described(Errors.NONE, describe(m));
  }

  /**
   * Every transactional id this broker coordinates now.
   *
   * @throws CoordinatorLoadInProgressException while a partition loads
   */
  public List<Description> list() {
    if (partitions.anyLoading()) {
      // Kafka answers ListTransactions with COORDINATOR_LOAD_IN_PROGRESS then: a partial list would
      // make live transactions look hanging to kafka-transactions.sh find-hanging.
      throw new CoordinatorLoadInProgressException("a partition of " + TOPIC + " is loading");
    }
    List<Description> all = new ArrayList<>();
    for (TransactionMetadata m : transactions.values()) {
      if (partitions.isActive(m.partition)) {
        all.add(describe(m));
      }
    }
    return all;
  }

  private static Description describe(TransactionMetadata m) {
    synchronized (m) {
      return new Description(
          m.transactionalId,
          m.state,
          m.producerId,
          m.producerEpoch,
          m.timeoutMs,
          m.startTimestampMs,
          Set.copyOf(m.partitions));
    }
  }

  // ---------------------------------------------------------------- ending transactions

  /**
   * Writes PREPARE_COMMIT or PREPARE_ABORT, then the markers, then COMPLETE_*. With {@code
   * bumpEpoch} (an abort the coordinator decides: a timeout, or a new producer with the same id)
   * the markers carry the next epoch, which fences the old producer in every partition. Caller
   * holds the monitor of {@code m}.
   */
  private CompletableFuture<Errors> prepareEnd(
      TransactionMetadata m, boolean commit, boolean bumpEpoch) {
    short epoch =
        bumpEpoch && m.producerEpoch < Short.MAX_VALUE - 1
            ? (short) (m.producerEpoch + 1)
            : m.producerEpoch;
    Snapshot prepared =
        new Snapshot(
            m.producerId,
            epoch,
            m.timeoutMs,
            commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT,
            Set.copyOf(m.partitions),
            timer.nowMs(),
            m.startTimestampMs);
    return persist(m, prepared)
        .thenApply(
            error -> {
              if (error == Errors.NONE) {
                synchronized (m) {
                  writeMarkersAndComplete(m);
                }
              }
              return error;
            });
  }

  /**
   * Caller holds the monitor of {@code m}, which is preparing. The markers are written from the
   * timer's threads, without that monitor: a marker's completion may come under a partition's lock.
   */
  private void writeMarkersAndComplete(TransactionMetadata m) {
    boolean commit = m.state == TransactionState.PREPARE_COMMIT;
    int coordinatorEpoch = partitions.coordinatorEpoch(m.partition);
    long producerId = m.producerId;
    short epoch = m.producerEpoch;
    Set<TopicPartition> txnPartitions = Set.copyOf(m.partitions);
    timer.schedule(
        0,
        () ->
            markers
                .write(
                    producerId,
                    epoch,
                    coordinatorEpoch,
                    commit,
                    txnPartitions,
                    () -> partitions.stillCoordinator(m.partition, coordinatorEpoch))
                .whenComplete(
                    (ok, error) -> {
                      if (error != null) {
                        log.info(
                            "stopped writing the markers of '{}': {}",
                            m.transactionalId,
                            error.toString());
                        return;
                      }
                      timer.schedule(
                          0, () -> complete(m, commit, producerId, epoch, coordinatorEpoch));
                    }));
  }

  private void complete(
      TransactionMetadata m, boolean commit, long producerId, short epoch, int coordinatorEpoch) {
    synchronized (m) {
      if (!partitions.stillCoordinator(m.partition, coordinatorEpoch)
          || m.producerId != producerId
          || m.producerEpoch != epoch
          || !m.state.isPreparing()) {
        return;
      }
      Snapshot completed =
          new Snapshot(
              producerId,
              epoch,
              m.timeoutMs,
              commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT,
              Set.of(),
              timer.nowMs(),
              m.startTimestampMs);
      persist(m, completed)
          .thenAccept(
              error -> {
                if (error != Errors.NONE
                    && partitions.stillCoordinator(m.partition, coordinatorEpoch)) {
                  // The markers are written; only the record saying so failed. Try it again.
                  timer.schedule(
                      1000, () -> complete(m, commit, producerId, epoch, coordinatorEpoch));
                }
              });
    }
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Writes {@code next} for {@code m} to its partition and applies it once committed. Caller holds
   * the monitor of {@code m}; the completion runs later on the timer's threads, never under a
   * partition's lock.
   */
  private CompletableFuture<Errors> persist(TransactionMetadata m, Snapshot next) {
    int coordinatorEpoch = partitions.coordinatorEpoch(m.partition);
    if (!partitions.stillCoordinator(m.partition, coordinatorEpoch)
        || transactions.get(m.transactionalId) != m) {
      // The partition was reloaded or given up since the request found m: m is stale, and
      // writing it would put an outdated state after the replayed one.
      return done(Errors.NOT_COORDINATOR);
    }
    m.pending = true;
    long now = timer.nowMs();
    MemoryRecords records =
        MemoryRecords.withRecords(
            Compression.NONE,
            new SimpleRecord(
                now,
                TransactionStateFormat.key(m.transactionalId),
                next == null ? null : TransactionStateFormat.value(next)));
    CompletableFuture<Errors> result = new CompletableFuture<>();
    topic
        .append(m.partition, records, now)
        .whenComplete(
            (ok, error) ->
                timer.schedule(
                    0,
                    () -> {
                      Errors outcome = error == null ? Errors.NONE : appendError(error);
                      synchronized (m) {
                        m.pending = false;
                        if (outcome == Errors.NONE
                            && !partitions.stillCoordinator(m.partition, coordinatorEpoch)) {
                          outcome = Errors.NOT_COORDINATOR;
                        }
                        if (outcome == Errors.NONE) {
                          if (next == null) {
                            // A request holding m retries and finds the id gone.
                            m.state = TransactionState.DEAD;
                            transactions.remove(m.transactionalId, m);
                          } else {
                            m.apply(next);
                          }
                        }
                      }
                      result.complete(outcome);
                    }));
    return result;
  }

  /** How a failed write to {@code __transaction_state} is answered, as Kafka answers it. */
  private static Errors appendError(Throwable error) {
    Throwable cause = Errors.maybeUnwrapException(error);
    if (cause instanceof NotLeaderOrFollowerException) {
      return Errors.NOT_COORDINATOR;
    }
    if (cause instanceof NotEnoughReplicasException
        || cause instanceof java.util.concurrent.TimeoutException) {
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
    Errors mapped = Errors.forException(cause);
    return mapped == Errors.UNKNOWN_SERVER_ERROR ? Errors.COORDINATOR_NOT_AVAILABLE : mapped;
  }

  // ---------------------------------------------------------------- timers

  /**
   * Runs {@code task} every {@code intervalMs} on the timer's threads until {@link #close()}; a
   * failure is logged and the next run comes anyway.
   */
  private void every(long intervalMs, String what, Runnable task) {
    if (closed) {
      return;
    }
    CoordinatorTimer.Task next =
        timer.schedule(
            intervalMs,
            () -> {
              try {
                task.run();
              } catch (RuntimeException e) {
                log.warn("{} failed", what, e);
              }
              every(intervalMs, what, task);
            });
    periodic.put(what, next);
  }

  /** Aborts, with a bumped epoch, every open transaction older than its timeout. */
  void abortTimedOut() {
    long now = timer.nowMs();
    for (TransactionMetadata m : transactions.values()) {
      synchronized (m) {
        if (m.state == TransactionState.ONGOING
            && !m.pending
            && partitions.isActive(m.partition)
            && now - m.startTimestampMs > m.timeoutMs) {
          log.info(
              "aborting the transaction of '{}' (producer {} epoch {}): open for more than its"
                  + " timeout of {} ms",
              m.transactionalId,
              m.producerId,
              m.producerEpoch,
              m.timeoutMs);
          prepareEnd(m, false, true);
        }
      }
    }
  }

  /** Forgets (with a tombstone) the ids without a transaction for {@code idExpirationMs}. */
  void expireIds() {
    long now = timer.nowMs();
    for (TransactionMetadata m : transactions.values()) {
      synchronized (m) {
        if (m.state.isIdle()
            && !m.pending
            && partitions.isActive(m.partition)
            && now - m.lastUpdateTimestampMs >= config.idExpirationMs()) {
          log.info("transactional id '{}' expired", m.transactionalId);
          persist(m, null);
        }
      }
    }
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  @Override
  public void close() {
    closed = true;
    partitions.close();
    periodic.values().forEach(CoordinatorTimer.Task::cancel);
  }
}
