package dev.eventshop.support.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * What is in the database file, not what the database answers: each check copies the file of the
 * open database, as a killed process would leave it, and opens the copy.
 */
class GroupCommitTest {

  @TempDir Path dir;

  private Connection held;
  private JdbcTemplate jdbc;
  private GroupCommit groupCommit;

  private void open() throws SQLException {
    var dataSource = new JdbcDataSource();
    // A write delay far longer than the test: only the barrier stores anything.
    dataSource.setURL("jdbc:h2:file:" + dir.resolve("db") + ";WRITE_DELAY=60000");
    // Held open as a connection pool would: H2 closes, and stores, a database when its last
    // connection closes.
    held = dataSource.getConnection();
    jdbc = new JdbcTemplate(dataSource);
    new ResourceDatabasePopulator(
            new ClassPathResource("db/durability/V2_1__durability_marker.sql"))
        .execute(dataSource);
    groupCommit = new GroupCommit(dataSource);
    jdbc.execute("create table effect (id bigint primary key)");
    groupCommit.awaitDurable();
  }

  @AfterEach
  void close() throws SQLException {
    if (held != null) {
      held.close();
    }
  }

  @Test
  void aCommittedTransactionReachesTheFileOnlyThroughTheBarrier() throws Exception {
    open();
    jdbc.update("insert into effect values (1)");
    assertThat(rowsOnDisk()).as("committed, not yet stored").isZero();

    groupCommit.awaitDurable();

    assertThat(rowsOnDisk()).isEqualTo(1);
  }

  @Test
  void aTicketIsServedByAStoreThatBeganAfterIt() throws Exception {
    open();
    jdbc.update("insert into effect values (1)");
    long ticket = groupCommit.ticket(); // as the relay hears of the commit
    groupCommit.awaitDurable(); // another caller's store, begun after the ticket
    long stores = stores();

    groupCommit.awaitDurable(ticket);

    assertThat(stores()).as("no second store").isEqualTo(stores);
    assertThat(rowsOnDisk()).isEqualTo(1);
    jdbc.update("insert into effect values (2)");
    groupCommit.awaitDurable();
    assertThat(stores()).as("a new commit needs a new store").isEqualTo(stores + 1);
    assertThat(rowsOnDisk()).isEqualTo(2);
  }

  @Test
  void concurrentCallersAllFindTheirCommitsStored() throws Exception {
    open();
    AtomicLong ids = new AtomicLong();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        callers.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    jdbc.update("insert into effect values (?)", ids.incrementAndGet());
                    groupCommit.awaitDurable();
                  }
                }));
      }
      for (Future<?> caller : callers) {
        caller.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(rowsOnDisk()).isEqualTo(200);
  }

  @Test
  void aConsumerCommitsOffsetsOnlyAfterTheEffectsAreStored() throws Exception {
    open();
    List<Long> rowsOnDiskAtCommit = new ArrayList<>();
    MockConsumer<String, String> consumer =
        new MockConsumer<>("earliest") {
          @Override
          public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            rowsOnDiskAtCommit.add(rowsOnDisk());
            super.commitSync(offsets);
          }
        };
    Consumer<String, String> durable =
        new DurableOffsetCommits<String, String>(groupCommit).apply(consumer);

    jdbc.update("insert into effect values (1)");
    durable.commitSync(Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(1)));

    assertThat(rowsOnDiskAtCommit)
        .as("rows on disk when the offset was committed")
        .containsExactly(1L);
  }

  /** The stores so far, counted by the marker row. */
  private long stores() {
    return jdbc.queryForObject("select stores from durability_marker", Long.class);
  }

  private long rowsOnDisk() {
    Path copy = dir.resolve("copy-" + System.nanoTime());
    try {
      Files.copy(dir.resolve("db.mv.db"), Path.of(copy + ".mv.db"));
      var copyData = new JdbcDataSource();
      copyData.setURL("jdbc:h2:file:" + copy);
      var copyJdbc = new JdbcTemplate(copyData);
      try {
        Long rows =
            copyJdbc.queryForObject(
                "select count(*) from information_schema.tables where table_name = 'EFFECT'",
                Long.class);
        return rows == null || rows == 0
            ? 0
            : copyJdbc.queryForObject("select count(*) from effect", Long.class);
      } finally {
        copyJdbc.execute("shutdown");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
