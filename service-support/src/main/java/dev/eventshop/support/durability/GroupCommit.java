package dev.eventshop.support.durability;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * The durability barrier in front of everything a service shows the outside world: waits until
 * every database transaction committed before the call is in the database file, writing them with
 * one store for all callers that wait at the same time (group commit).
 *
 * <p>H2 keeps no redo log. A commit is visible at once but reaches the file when H2 next stores its
 * changes ({@code WRITE_DELAY}, 500 ms by default, in a background thread), so a killed process
 * loses the transactions of its last moments. That is harmless as long as nobody outside heard of
 * them, so a service waits here before each of its three outward effects: before Kafka offsets are
 * committed (the consumed records would not be read again), before the outbox relay publishes rows
 * (other services would act on events whose cause was lost) and before a placed order is answered
 * (the client would hold an order id that no longer exists). Waiting callers share one store: under
 * load, one write covers the transactions of many records, requests and relay batches, where
 * storing at every commit ({@code WRITE_DELAY=0}) wrote the changed pages once per transaction.
 *
 * <p>The store is H2's {@code CHECKPOINT} statement. It survives a killed process, not a power
 * loss: H2 does not fsync. For any other database a committed transaction is already durable and
 * the barrier does nothing.
 */
public final class GroupCommit {

  private final DataSource dataSource;
  private final boolean needsStore;
  private final AtomicLong requested = new AtomicLong();
  private final ReentrantLock storing = new ReentrantLock();
  private long stored; // guarded by storing

  public GroupCommit(DataSource dataSource) {
    this.dataSource = dataSource;
    this.needsStore = isH2(dataSource);
  }

  /**
   * Returns once every transaction that committed before this call is in the database file.
   *
   * @throws DataAccessResourceFailureException if the changes could not be stored
   */
  public void awaitDurable() {
    if (!needsStore) {
      return;
    }
    // Every commit before this call happens before this number is taken; a store that starts
    // after a caller read a number at least as large covers it.
    long ticket = requested.incrementAndGet();
    storing.lock();
    try {
      if (stored >= ticket) {
        return; // a store that started after our ticket has finished while we waited
      }
      long covered = requested.get();
      store();
      stored = covered;
    } finally {
      storing.unlock();
    }
  }

  private void store() {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CHECKPOINT");
    } catch (SQLException e) {
      throw new DataAccessResourceFailureException("could not store committed transactions", e);
    }
  }

  private static boolean isH2(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection()) {
      return "H2".equals(connection.getMetaData().getDatabaseProductName());
    } catch (SQLException e) {
      throw new DataAccessResourceFailureException("could not reach the database", e);
    }
  }
}
