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
import java.util.function.IntSupplier;
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
 * <p>Both of Kafka's transaction protocols, chosen per request as Kafka chooses (KIP-890):
 *
 * <ul>
 *   <li>Version 1 (EndTxn up to v4; librdkafka, KafkaJS, Java clients before 4.0, and Java 4
 *       clients of a cluster at {@code transaction.version} 1): the producer adds partitions
 *       (AddPartitionsToTxn) and groups (AddOffsetsToTxn) before writing to them, and keeps its
 *       epoch from one transaction to the next.
 *   <li>Version 2 (EndTxn v5, AddPartitionsToTxn v4+ from a partition leader): the leader of a
 *       partition the producer writes to, or the group coordinator it sends offsets to, adds the
 *       partition on the producer's behalf, and every EndTxn bumps the producer's epoch: the
 *       markers carry the new epoch, so a write of the old one arriving late is refused instead of
 *       opening a transaction nobody will end. The EndTxn answer tells the producer its new epoch,
 *       or a new producer id when the epochs run out.
 * </ul>
 *
 * <p>EndTxn is answered once the prepare record is committed, before the markers are written; until
 * they are, the next request for the id gets CONCURRENT_TRANSACTIONS and the client retries.
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

  /**
   * An EndTxn answer. With transaction version 2 it carries the producer id and epoch the producer
   * goes on with; otherwise none.
   */
  public record EndResult(Errors error, long producerId, short producerEpoch) {
    static EndResult of(Errors error) {
      return new EndResult(error, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH);
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
  private final IntSupplier transactionVersion;
  private final ConcurrentHashMap<String, TransactionMetadata> transactions =
      new ConcurrentHashMap<>();
  private final CoordinatorPartitions partitions;
  private volatile boolean closed;
  private final Map<String, CoordinatorTimer.Task> periodic = new ConcurrentHashMap<>();

  /**
   * @param transactionVersion the cluster's finalized {@code transaction.version}: the format of
   *     the records written, and the protocol of the aborts the coordinator decides itself
   */
  public TransactionCoordinator(
      TransactionConfig config,
      CoordinatorTopic topic,
      CoordinatorTimer timer,
      ProducerIdAllocator producerIds,
      MarkerWriter markers,
      IntSupplier transactionVersion) {
    this.config = config;
    this.topic = topic;
    this.timer = timer;
    this.producerIds = producerIds;
    this.markers = markers;
    this.transactionVersion = transactionVersion;
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
        abortByCoordinator(m);
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
          new Snapshot(
              producerId,
              epoch,
              timeoutMs,
              TransactionState.EMPTY,
              Set.of(),
              now,
              -1,
              m.clientTransactionVersion,
              m.previousProducerId,
              RecordBatch.NO_PRODUCER_ID);
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
   * to {@code added}; opens the transaction if none is open. {@code clientTransactionVersion} is 2
   * when a partition leader or group coordinator adds them for a producer of transaction version 2,
   * else 0. A change being written is answered CONCURRENT_TRANSACTIONS before the producer is
   * checked, as Kafka does: with version 2 the producer may already hold the id and epoch that
   * change is writing.
   */
  public CompletableFuture<Errors> addPartitions(
      String transactionalId,
      long producerId,
      short epoch,
      Collection<TopicPartition> added,
      short clientTransactionVersion) {
    return withCurrentProducer(
        transactionalId,
        producerId,
        epoch,
        true,
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
                  start,
                  clientTransactionVersion,
                  m.previousProducerId,
                  RecordBatch.NO_PRODUCER_ID));
        });
  }

  /**
   * AddPartitionsToTxn v4+ with VerifyOnly (KIP-890 part 1, sent by Kafka's partition leaders of
   * transaction version 1): per partition NONE when the open transaction has it, else
   * TRANSACTION_ABORTABLE; a request that is not from the current producer gets one error for all.
   */
  public Map<TopicPartition, Errors> verifyPartitions(
      String transactionalId, long producerId, short epoch, Collection<TopicPartition> asked) {
    Map<TopicPartition, Errors> results = new java.util.LinkedHashMap<>();
    Errors availability = partitions.availability(partitionFor(transactionalId));
    TransactionMetadata m = transactions.get(transactionalId);
    Errors all = availability;
    if (all == Errors.NONE && m == null) {
      all = Errors.INVALID_PRODUCER_ID_MAPPING;
    }
    if (all == Errors.NONE) {
      synchronized (m) {
        if (m.producerId != producerId) {
          all = Errors.INVALID_PRODUCER_ID_MAPPING;
        } else if (m.producerEpoch != epoch) {
          all = Errors.PRODUCER_FENCED;
        } else if (m.state == TransactionState.PREPARE_COMMIT
            || m.state == TransactionState.PREPARE_ABORT) {
          all = Errors.CONCURRENT_TRANSACTIONS;
        } else {
          for (TopicPartition tp : asked) {
            results.put(tp, m.partitions.contains(tp) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE);
          }
          return results;
        }
      }
    }
    for (TopicPartition tp : asked) {
      results.put(tp, all);
    }
    return results;
  }

  /**
   * EndTxn: commits or aborts the open transaction. Answered once the prepare record is committed;
   * the markers follow. With {@code epochBump} (EndTxn v5, transaction version 2) the epoch moves
   * on at every end and the answer names it; see {@link #endTransactionBumpingEpoch}. Without, a
   * retry after the transaction ended the same way succeeds.
   */
  public CompletableFuture<EndResult> endTransaction(
      String transactionalId, long producerId, short epoch, boolean commit, boolean epochBump) {
    if (epochBump) {
      return endTransactionBumpingEpoch(transactionalId, producerId, epoch, commit);
    }
    return withCurrentProducer(
            transactionalId,
            producerId,
            epoch,
            false,
            m ->
                switch (m.state) {
                  case ONGOING ->
                      prepareEnd(m, commit, false, (short) 0).thenApply(EndResult::error);
                  case COMPLETE_COMMIT -> done(commit ? Errors.NONE : Errors.INVALID_TXN_STATE);
                  case COMPLETE_ABORT -> done(commit ? Errors.INVALID_TXN_STATE : Errors.NONE);
                  case PREPARE_COMMIT ->
                      done(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
                  case PREPARE_ABORT ->
                      done(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS);
                  default -> done(Errors.INVALID_TXN_STATE);
                })
        .thenApply(EndResult::of);
  }

  /**
   * EndTxn of transaction version 2, by Kafka's rules: the request carries the epoch of the
   * transaction it ends, and the end bumps it. So a request whose epoch is one below the current
   * one is the producer's retry of an end that happened (answered with the current id and epoch if
   * it asked for the same outcome); one with the current epoch ends the open transaction, or aborts
   * an empty one (the producer may have failed before any partition was added), bumping the epoch
   * all the same. When the epochs run out, the end moves the producer to a new producer id.
   */
  private CompletableFuture<EndResult> endTransactionBumpingEpoch(
      String transactionalId, long producerId, short epoch, boolean commit) {
    Errors availability = partitions.availability(partitionFor(transactionalId));
    if (availability != Errors.NONE) {
      return done(EndResult.of(availability));
    }
    TransactionMetadata m = transactions.get(transactionalId);
    if (m == null) {
      return done(EndResult.of(Errors.INVALID_PRODUCER_ID_MAPPING));
    }
    synchronized (m) {
      if (m.pending || m.state == TransactionState.DEAD) {
        return done(EndResult.of(Errors.CONCURRENT_TRANSACTIONS));
      }
      boolean retryOnOverflow =
          m.previousProducerId == producerId
              && epoch == Short.MAX_VALUE - 1
              && m.producerEpoch == 0;
      if (m.producerId != producerId && !retryOnOverflow) {
        return done(EndResult.of(Errors.INVALID_PRODUCER_ID_MAPPING));
      }
      boolean retryOnBump = m.producerId == producerId && m.producerEpoch == epoch + 1;
      boolean current = m.producerId == producerId && m.producerEpoch == epoch;
      boolean valid =
          switch (m.state) {
            case PREPARE_COMMIT, PREPARE_ABORT -> retryOnBump;
            case COMPLETE_COMMIT, COMPLETE_ABORT -> retryOnBump || retryOnOverflow || current;
            default -> current;
          };
      if (!valid) {
        return done(EndResult.of(Errors.PRODUCER_FENCED));
      }
      boolean retry = retryOnBump || retryOnOverflow;
      EndResult retried = new EndResult(Errors.NONE, m.producerId, m.producerEpoch);
      return switch (m.state) {
        case ONGOING -> prepareEndBumpingEpoch(m, commit);
        case COMPLETE_COMMIT ->
            commit
                ? done(retry ? retried : EndResult.of(Errors.INVALID_TXN_STATE))
                : retry
                    ? done(EndResult.of(Errors.INVALID_TXN_STATE))
                    : prepareEndBumpingEpoch(m, false);
        case COMPLETE_ABORT ->
            commit
                ? done(EndResult.of(Errors.INVALID_TXN_STATE))
                : retry ? done(retried) : prepareEndBumpingEpoch(m, false);
        case EMPTY ->
            commit
                ? done(EndResult.of(Errors.INVALID_TXN_STATE))
                : prepareEndBumpingEpoch(m, false);
        case PREPARE_COMMIT ->
            done(EndResult.of(commit ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE));
        case PREPARE_ABORT ->
            done(EndResult.of(commit ? Errors.INVALID_TXN_STATE : Errors.CONCURRENT_TRANSACTIONS));
        default -> done(EndResult.of(Errors.INVALID_TXN_STATE));
      };
    }
  }

  /**
   * Caller holds the monitor of {@code m}. The answer names the id and epoch to go on with. As
   * after a producer's own epoch bump (KIP-360), its InitProducerId with the pair it had is then a
   * retry.
   */
  private CompletableFuture<EndResult> prepareEndBumpingEpoch(
      TransactionMetadata m, boolean commit) {
    long previousProducerId = m.producerId;
    short previousEpoch = m.producerEpoch;
    return prepareEnd(m, commit, true, (short) 2)
        .thenApply(
            result -> {
              if (result.error() == Errors.NONE) {
                synchronized (m) {
                  m.lastProducerId = previousProducerId;
                  m.lastProducerEpoch = previousEpoch;
                }
              }
              return result;
            });
  }

  /**
   * What AddPartitionsToTxn, AddOffsetsToTxn and EndTxn (version 1) check first: the id is served
   * here, and the request comes from its current producer while no state change of it is being
   * written ({@code pendingFirst}: that last is checked first). Then {@code step} answers, holding
   * the monitor of the id's metadata.
   */
  private CompletableFuture<Errors> withCurrentProducer(
      String transactionalId,
      long producerId,
      short epoch,
      boolean pendingFirst,
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
      if (pendingFirst && m.pending) {
        return done(Errors.CONCURRENT_TRANSACTIONS);
      }
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
   * Aborts the open transaction of {@code m} with a bumped epoch, which fences its producer in
   * every partition: a transaction open past its timeout, or one whose id a new producer took.
   * Under the protocol of the cluster's transaction version, as Kafka decides these aborts. Caller
   * holds the monitor of {@code m}.
   */
  private void abortByCoordinator(TransactionMetadata m) {
    prepareEnd(m, false, true, (short) (transactionVersion.getAsInt() >= 2 ? 2 : 0));
  }

  /**
   * Writes PREPARE_COMMIT or PREPARE_ABORT, then the markers, then COMPLETE_*. With {@code
   * bumpEpoch} the markers carry the next epoch. Of transaction version 2 ({@code
   * clientTransactionVersion} 2), an end from the last epoch but one (Short.MAX_VALUE - 1) on takes
   * the last for its markers and gives the producer a new producer id at epoch 0 when it completes;
   * the prepare record names that id, so a coordinator taking over completes it alike. Completes,
   * once the prepare record is committed, with the producer id and epoch the producer goes on with.
   * Caller holds the monitor of {@code m}.
   */
  private CompletableFuture<EndResult> prepareEnd(
      TransactionMetadata m, boolean commit, boolean bumpEpoch, short clientTransactionVersion) {
    short epoch = m.producerEpoch;
    long nextProducerId = RecordBatch.NO_PRODUCER_ID;
    if (bumpEpoch && m.producerEpoch < Short.MAX_VALUE - 1) {
      epoch = (short) (m.producerEpoch + 1);
    } else if (bumpEpoch && clientTransactionVersion >= 2) {
      epoch = Short.MAX_VALUE;
      nextProducerId = producerIds.nextProducerId();
    }
    long now = timer.nowMs();
    Snapshot prepared =
        new Snapshot(
            m.producerId,
            epoch,
            m.timeoutMs,
            commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT,
            Set.copyOf(m.partitions),
            now,
            // an abort of version 2 may come with nothing added: it starts now
            m.state == TransactionState.ONGOING ? m.startTimestampMs : now,
            clientTransactionVersion,
            m.previousProducerId,
            nextProducerId);
    EndResult ended =
        nextProducerId != RecordBatch.NO_PRODUCER_ID
            ? new EndResult(Errors.NONE, nextProducerId, (short) 0)
            : new EndResult(Errors.NONE, m.producerId, epoch);
    return persist(m, prepared)
        .thenApply(
            error -> {
              if (error != Errors.NONE) {
                return EndResult.of(error);
              }
              synchronized (m) {
                writeMarkersAndComplete(m);
              }
              return ended;
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
      // Out of epochs (transaction version 2): the producer goes on with its next id.
      long nextProducerId = m.nextProducerId;
      boolean newId = nextProducerId != RecordBatch.NO_PRODUCER_ID;
      Snapshot completed =
          new Snapshot(
              newId ? nextProducerId : producerId,
              newId ? 0 : epoch,
              m.timeoutMs,
              commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT,
              Set.of(),
              timer.nowMs(),
              m.startTimestampMs,
              m.clientTransactionVersion,
              // the id moved from, to recognise the producer's retry of its EndTxn
              newId ? producerId : m.previousProducerId,
              RecordBatch.NO_PRODUCER_ID);
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
                next == null
                    ? null
                    : TransactionStateFormat.value(
                        next,
                        TransactionStateFormat.valueVersion(
                            (short) transactionVersion.getAsInt()))));
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
          abortByCoordinator(m);
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
