package dev.eventshop.order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.support.testing.ServiceWithBroker;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

class OrderApplicationIT extends ServiceWithBroker {

  @Autowired JdbcTemplate jdbc;

  @Test
  void reportsHealthyAndKeepsItsDatabaseInTheDataDirectory() {
    String health = http().get().uri("/actuator/health").retrieve().body(String.class);

    assertThat(health).contains("\"status\":\"UP\"");
    assertThat(Files.exists(DATA_DIR.resolve("order.mv.db"))).isTrue();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from information_schema.tables where table_name in"
                    + " ('PRODUCTS', 'ORDERS', 'ORDER_ITEMS', 'OUTBOX', 'INBOX')",
                Integer.class))
        .isEqualTo(5);
  }

  @Test
  void describesItsApiWithOpenApiAndServesTheUi() {
    String api = http().get().uri("/v3/api-docs").retrieve().body(String.class);
    assertThat(api).contains("\"/orders\"", "\"/orders/{id}\"", "Idempotency-Key");

    String ui = http().get().uri("/swagger-ui/index.html").retrieve().body(String.class);
    assertThat(ui).containsIgnoringCase("swagger");
  }
}
