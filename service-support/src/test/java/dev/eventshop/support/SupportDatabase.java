package dev.eventshop.support;

import dev.eventshop.support.durability.GroupCommit;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.transaction.support.TransactionTemplate;

/** A private in-memory H2 database with the outbox and inbox tables, for one test. */
public final class SupportDatabase implements AutoCloseable {

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transactions;
  private final GroupCommit groupCommit;

  public SupportDatabase() {
    var dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    new ResourceDatabasePopulator(
            new ClassPathResource("db/outbox/V0_1__outbox.sql"),
            new ClassPathResource("db/inbox/V0_2__inbox.sql"))
        .execute(dataSource);
    jdbc = new JdbcTemplate(dataSource);
    transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    groupCommit = new GroupCommit(dataSource);
  }

  public JdbcTemplate jdbc() {
    return jdbc;
  }

  public TransactionTemplate transactions() {
    return transactions;
  }

  public GroupCommit groupCommit() {
    return groupCommit;
  }

  @Override
  public void close() {
    jdbc.execute("shutdown");
  }
}
