package dev.eventshop.broker.metadata;

import java.time.Duration;
import java.util.function.LongFunction;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a broker-only node (an observer, {@code process.roles=broker}) follows the metadata log, as a
 * Kafka broker fetches the metadata log from the KRaft controllers: one thread asks the quorum's
 * leader, again and again, for what comes after the index it has applied, and applies the answer
 * ({@link AppliedMetadata#follow}). The leader holds a fetch open while there is nothing new, so a
 * change reaches the observer as soon as it is applied on the leader. While no leader answers, the
 * observer keeps serving the metadata it has and tries again after a short pause.
 */
final class MetadataFetcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MetadataFetcher.class);

  /** How long the leader holds a fetch open when there is nothing new. */
  static final Duration MAX_WAIT = Duration.ofMillis(500);

  private static final Duration RETRY_BACKOFF = Duration.ofMillis(100);

  private final int nodeId;
  private final AppliedMetadata applied;
  private final LongFunction<AppliedMetadata.Changes> fetch;
  private volatile Thread thread;

  /**
   * @param fetch asks the leader for the changes after an index, blocking; throws when no leader
   *     answers in time
   */
  MetadataFetcher(
      int nodeId, AppliedMetadata applied, LongFunction<AppliedMetadata.Changes> fetch) {
    this.nodeId = nodeId;
    this.applied = applied;
    this.fetch = fetch;
  }

  void start() {
    Thread fetcher = new Thread(this::run, "metadata-fetcher-" + nodeId);
    fetcher.setDaemon(true);
    thread = fetcher;
    fetcher.start();
  }

  private void run() {
    boolean fetched = false;
    boolean failing = false;
    while (thread == Thread.currentThread()) {
      try {
        applied.follow(fetch.apply(applied.appliedIndex()));
        if (failing && fetched) {
          log.info("node {} fetches the metadata log again", nodeId);
        }
        fetched = true;
        failing = false;
      } catch (RuntimeException e) {
        if (thread != Thread.currentThread()) {
          return; // closed while fetching
        }
        if (!failing) {
          Throwable cause = Errors.maybeUnwrapException(e);
          if (fetched) {
            log.warn(
                "node {} cannot fetch the metadata log, retrying: {}", nodeId, cause.toString());
          } else {
            log.info(
                "node {} waits for a leader of the metadata quorum: {}", nodeId, cause.toString());
          }
        }
        failing = true;
        try {
          Thread.sleep(RETRY_BACKOFF.toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    Thread fetcher = thread;
    thread = null;
    if (fetcher != null) {
      fetcher.interrupt();
      try {
        fetcher.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
