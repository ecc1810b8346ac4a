package dev.eventshop.support.durability;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
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
 * <p>The store is H2's {@code CHECKPOINT} statement, after a change to the one row of {@code
 * durability_marker} (migration {@code db/durability}): a {@code CHECKPOINT} that finds nothing
 * unsaved returns at once, even while H2's background writer is still writing earlier commits, but
 * one with a change to store queues behind that write and returns when both are in the file. It
 * survives a killed process, not a power loss: H2 does not fsync. For an in-memory H2 database
 * there is no file, and for any other database a committed transaction is already durable: the
 * barrier does nothing there.
 *
 * <p>If the store fails, so does the caller: an offset commit is skipped (the records come again
 * and the inbox recognises them), the relay tries again in its next round, and {@code POST /orders}
 * answers 500 although the order may exist (a retry with the same {@code Idempotency-Key} finds
 * it).
 */
public final class GroupCommit {

  private final DataSource dataSource;
  private final boolean needsStore;
  private final AtomicLong requested = new AtomicLong();
  private final ReentrantLock storing = new ReentrantLock();
  private long stored; // guarded by storing

  public GroupCommit(DataSource dataSource) {
    this.dataSource = dataSource;
    this.needsStore = isH2File(dataSource);
  }

  /**
   * Returns once every transaction that committed before this call is in the database file.
   *
   * @throws DataAccessResourceFailureException if the changes could not be stored
   */
  public void awaitDurable() {
    awaitDurable(ticket());
  }

  /**
   * A ticket for every transaction that committed before this call, for {@link #awaitDurable(long)}
   * later: a caller that learns of a commit first and acts on it later (the outbox relay) then
   * waits only for a store that began after the commit, which another caller's store may well have
   * been.
   */
  public long ticket() {
    return requested.incrementAndGet();
  }

  /**
   * Returns once the transactions that committed before {@code ticket} was taken are in the
   * database file: at once if a store that began after that has finished, else after the next.
   *
   * @throws DataAccessResourceFailureException if the changes could not be stored
   */
  public void awaitDurable(long ticket) {
    if (!needsStore) {
      return;
    }
    storing.lock();
    try {
      if (stored >= ticket) {
        return; // a store that began after the ticket was taken has finished while we waited
      }
      // Every commit before a ticket happens before the ticket is taken; a store that begins
      // after reading this number covers every ticket up to it.
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
      connection.setAutoCommit(true);
      statement.executeUpdate("update durability_marker set stores = stores + 1 where id = 1");
      statement.execute("CHECKPOINT");
    } catch (SQLException e) {
      throw new DataAccessResourceFailureException(
          "could not store committed transactions (is classpath:db/durability among"
              + " spring.flyway.locations?)",
          e);
    }
  }

  private static boolean isH2File(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection()) {
      DatabaseMetaData database = connection.getMetaData();
      return "H2".equals(database.getDatabaseProductName())
          && !database.getURL().startsWith("jdbc:h2:mem:");
    } catch (SQLException e) {
      throw new DataAccessResourceFailureException("could not reach the database", e);
    }
  }
}
