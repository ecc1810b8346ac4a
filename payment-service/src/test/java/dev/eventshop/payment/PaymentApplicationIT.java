package dev.eventshop.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.support.testing.ServiceWithBroker;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

class PaymentApplicationIT extends ServiceWithBroker {

  @Autowired JdbcTemplate jdbc;

  @Test
  void reportsHealthyAndKeepsItsDatabaseInTheDataDirectory() {
    String health = http().get().uri("/actuator/health").retrieve().body(String.class);

    assertThat(health).contains("\"status\":\"UP\"");
    assertThat(Files.exists(DATA_DIR.resolve("payment.mv.db"))).isTrue();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from \"flyway_schema_history\" where \"success\"", Integer.class))
        .isPositive();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from information_schema.tables"
                    + " where table_name in ('CUSTOMERS', 'PAYMENTS', 'OUTBOX', 'INBOX')",
                Integer.class))
        .isEqualTo(4);
  }
}
