package dev.eventshop.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.support.testing.ServiceWithBroker;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

class InventoryApplicationIT extends ServiceWithBroker {

  @Autowired JdbcTemplate jdbc;

  @Test
  void reportsHealthyAndKeepsItsDatabaseInTheDataDirectory() {
    String health = http().get().uri("/actuator/health").retrieve().body(String.class);

    assertThat(health).contains("\"status\":\"UP\"");
    assertThat(Files.exists(DATA_DIR.resolve("inventory.mv.db"))).isTrue();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from information_schema.tables"
                    + " where table_name in ('STOCK_ITEMS', 'RESERVATIONS', 'OUTBOX', 'INBOX')",
                Integer.class))
        .isEqualTo(4);
  }

  @Test
  void stockNeverGoesNegativeEvenWhenWrittenDirectly() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> jdbc.update("update stock_items set available = -1 where sku = 'MUG-SOLDOUT'"))
        .isInstanceOf(org.springframework.dao.DataIntegrityViolationException.class);
  }
}
