package dev.eventshop.order.orders;

import static dev.eventshop.order.orders.OrderHttp.item;
import static dev.eventshop.order.orders.OrderHttp.order;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.support.testing.ServiceWithBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** The REST contract of order-service: idempotency, validation as problem+json, listing. */
class OrderApiIT extends ServiceWithBroker {

  @Autowired JdbcTemplate jdbc;
  OrderHttp orders;

  @BeforeEach
  void connect() {
    orders = new OrderHttp(http());
  }

  @Test
  void theSameIdempotencyKeyAlwaysAnswersWithTheSameOrder() {
    String key = UUID.randomUUID().toString();
    String body = order("alice", item("BOOK-KAFKA", 1));

    var first = orders.placeOrder(body, key);
    var second = orders.placeOrder(body, key);

    assertThat(first.status()).isEqualTo(202);
    assertThat(second.status()).isEqualTo(202);
    assertThat(second.headers().getLocation()).isEqualTo(first.headers().getLocation());
    assertThat(second.body().get("id")).isEqualTo(first.body().get("id"));
    assertThat(
            jdbc.queryForObject(
                "select count(*) from outbox where record_key = ?",
                Integer.class,
                first.body().get("id").asString()))
        .as("one OrderPlaced")
        .isEqualTo(1);
    assertThat(orders.placeOrder(body, UUID.randomUUID().toString()).body().get("id"))
        .as("another key, another order")
        .isNotEqualTo(first.body().get("id"));
  }

  @Test
  void concurrentRetriesWithOneIdempotencyKeyPlaceOneOrder() throws Exception {
    String key = UUID.randomUUID().toString();
    String body = order("carol", item("TSHIRT-KAFKA", 1));
    int clients = 4;
    var start = new java.util.concurrent.CountDownLatch(1);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
    try {
      List<java.util.concurrent.Future<OrderHttp.Response>> responses = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        responses.add(
            pool.submit(
                () -> {
                  start.await();
                  return orders.placeOrder(body, key);
                }));
      }
      start.countDown();
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (var response : responses) {
        OrderHttp.Response answer = response.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
        ids.add(answer.body().get("id").asString());
      }
      assertThat(ids).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void invalidInputIsAProblemThatNamesTheField() {
    assertInvalid(order("", item("BOOK-KAFKA", 1)), "customerId");
    assertInvalid("{\"customerId\":\"alice\",\"items\":[]}", "items");
    assertInvalid(order("alice", item("BOOK-KAFKA", 0)), "items[0].quantity");
    assertInvalid(order("alice", item("BOOK-KAFKA", 1), item("NO-SUCH-SKU", 1)), "items[1].sku");
    assertInvalid(
        "{\"customerId\":\"alice\",\"items\":[{\"sku\":\"BOOK-KAFKA\",\"quantity\":\"two\"}]}",
        "items[0].quantity");
    assertInvalid("{not json", "body");
  }

  @Test
  void listsOrdersByCustomerAndStatusPageByPage() {
    String customer = "list-" + UUID.randomUUID();
    for (int i = 0; i < 3; i++) {
      orders.placeOrder(order(customer, item("STICKER-PACK", i + 1)), null);
    }

    JsonNode firstPage = orders.get("/orders?customerId=" + customer + "&size=2").body();
    assertThat(firstPage.get("totalElements").asInt()).isEqualTo(3);
    assertThat(firstPage.get("totalPages").asInt()).isEqualTo(2);
    assertThat(firstPage.get("content")).hasSize(2);
    JsonNode secondPage = orders.get("/orders?customerId=" + customer + "&size=2&page=1").body();
    assertThat(secondPage.get("content")).hasSize(1);
    List<String> customers = new ArrayList<>();
    firstPage.get("content").forEach(o -> customers.add(o.get("customerId").asString()));
    assertThat(customers).containsOnly(customer);

    assertThat(
            orders
                .get("/orders?customerId=" + customer + "&status=CONFIRMED")
                .body()
                .get("totalElements")
                .asInt())
        .isZero();
    var badStatus = orders.get("/orders?status=SHIPPED");
    assertThat(badStatus.status()).isEqualTo(400);
    assertThat(badStatus.headers().getContentType()).hasToString("application/problem+json");
    assertThat(badStatus.body().toString()).contains("status");
  }

  @Test
  void anUnknownOrderIsNotFound() {
    var response = orders.get("/orders/" + UUID.randomUUID());

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.headers().getContentType()).hasToString("application/problem+json");
  }

  private void assertInvalid(String body, String field) {
    var response = orders.placeOrder(body, null);

    assertThat(response.status()).as(body).isEqualTo(400);
    assertThat(response.headers().getContentType()).hasToString("application/problem+json");
    assertThat(response.body().get("title").asString()).isEqualTo("Invalid request");
    List<String> fields = new ArrayList<>();
    response.body().get("errors").forEach(e -> fields.add(e.get("field").asString()));
    assertThat(fields).as(response.body().toString()).contains(field);
    assertThat(response.body().get("detail").asString()).contains(field);
  }
}
