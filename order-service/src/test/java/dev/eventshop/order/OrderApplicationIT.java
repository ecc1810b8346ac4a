package dev.eventshop.order;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrderApplicationIT {

  @TempDir static Path dataDir;

  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry registry) {
    registry.add("shop.data-dir", dataDir::toString);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  @Test
  void reportsHealthyAndKeepsItsDatabaseInTheDataDirectory() {
    String health =
        RestClient.create()
            .get()
            .uri("http://localhost:" + port + "/actuator/health")
            .retrieve()
            .body(String.class);

    assertThat(health).contains("\"status\":\"UP\"");
    assertThat(Files.exists(dataDir.resolve("order.mv.db"))).isTrue();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from \"flyway_schema_history\" where \"success\"", Integer.class))
        .isPositive();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from information_schema.tables where table_name = 'ORDERS'",
                Integer.class))
        .isEqualTo(1);
  }
}
