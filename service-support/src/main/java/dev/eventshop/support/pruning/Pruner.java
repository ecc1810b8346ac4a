package dev.eventshop.support.pruning;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes what the outbox and the inbox no longer need, every {@code shop.pruning.interval}: outbox
 * rows sent more than {@code shop.pruning.retention} ago (an unsent row is never deleted, however
 * old), and inbox rows applied more than the retention ago. With an {@link EventHistory}, the rows'
 * positions are copied there first, in the same transaction, so the timeline loses nothing.
 */
public final class Pruner implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(Pruner.class);

  /** What one round deleted. */
  public record Pruned(int outboxRows, int inboxRows) {}

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transactions;
  private final PruningProperties properties;
  private final boolean outbox;
  private final EventHistory history;
  private final Clock clock;
  private ScheduledExecutorService scheduler;

  /**
   * @param outbox whether this service has an outbox table (notification-service has none)
   * @param history where to keep the pruned rows' positions, or null
   */
  public Pruner(
      JdbcTemplate jdbc,
      TransactionTemplate transactions,
      PruningProperties properties,
      boolean outbox,
      EventHistory history,
      Clock clock) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.properties = properties;
    this.outbox = outbox;
    this.history = history;
    this.clock = clock;
  }

  /** Prunes once: what is older than the retention, as of now. */
  public Pruned pruneOnce() {
    OffsetDateTime cutoff = clock.instant().minus(properties.retention()).atOffset(ZoneOffset.UTC);
    return transactions.execute(
        tx -> {
          if (history != null) {
            history.archiveOlderThan(cutoff, outbox);
          }
          int outboxRows = outbox ? jdbc.update("delete from outbox where sent_at < ?", cutoff) : 0;
          int inboxRows = jdbc.update("delete from inbox where processed_at < ?", cutoff);
          return new Pruned(outboxRows, inboxRows);
        });
  }

  @Override
  public void start() {
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "pruner");
              thread.setDaemon(true);
              return thread;
            });
    long every = properties.interval().toMillis();
    scheduler.scheduleWithFixedDelay(this::pruneAndLog, every, every, TimeUnit.MILLISECONDS);
  }

  private void pruneAndLog() {
    try {
      Pruned pruned = pruneOnce();
      if (pruned.outboxRows() + pruned.inboxRows() > 0) {
        log.info(
            "pruned {} sent outbox rows and {} inbox rows older than {}",
            pruned.outboxRows(),
            pruned.inboxRows(),
            properties.retention());
      }
    } catch (RuntimeException e) {
      // The next round tries again; nothing was deleted (one transaction).
      log.warn("pruning failed, next try in {}: {}", properties.interval(), e.toString());
    }
  }

  @Override
  public void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  @Override
  public boolean isRunning() {
    return scheduler != null;
  }
}
