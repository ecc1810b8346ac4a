package dev.eventshop.shop.e2e;

import static org.awaitility.Awaitility.await;

import dev.eventshop.shop.e2e.ShopServices.Service;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The shop's REST APIs as the end-to-end tests and the load driver use them. */
public final class ShopClient {

  /** How long an order may take to reach a final state (generous: a service may be restarting). */
  public static final Duration FINAL_STATE_TIMEOUT = Duration.ofMinutes(2);

  static final Set<String> FINAL = Set.of("CONFIRMED", "CANCELLED");
  static final JsonMapper JSON = JsonMapper.builder().build();

  private final ShopServices shop;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public ShopClient(ShopServices shop) {
    this.shop = shop;
  }

  /** An order's request body: customer and {sku: quantity}, in the given order. */
  public static String orderBody(String customer, Map<String, Integer> items) {
    ObjectNode body = JSON.createObjectNode().put("customerId", customer);
    items.forEach(
        (sku, quantity) ->
            body.withArray("items").addObject().put("sku", sku).put("quantity", quantity));
    return body.toString();
  }

  /** POST /orders; the answer must be 202. Returns the order's id. */
  public String place(String customer, Map<String, Integer> items) {
    return placeWithKey(orderBody(customer, items), null);
  }

  /** POST /orders with an optional Idempotency-Key; the answer must be 202. Returns the id. */
  public String placeWithKey(String body, String idempotencyKey) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(shop.url(Service.ORDER) + "/orders"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    HttpResponse<String> response = send(request.build());
    if (response.statusCode() != 202) {
      throw new IllegalStateException(
          "POST /orders " + body + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body()).path("id").asString();
  }

  public JsonNode order(String id) {
    return get(Service.ORDER, "/orders/" + id);
  }

  /** Waits until the order is CONFIRMED or CANCELLED and returns it. */
  public JsonNode awaitFinal(String id) {
    return awaitStatus(id, FINAL);
  }

  /** Waits until the order has one of {@code statuses} and returns it. */
  public JsonNode awaitStatus(String id, Set<String> statuses) {
    JsonNode[] last = new JsonNode[1];
    await("order " + id + " in " + statuses)
        .atMost(FINAL_STATE_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              last[0] = order(id);
              return statuses.contains(last[0].path("status").asString());
            });
    return last[0];
  }

  /** Every order the order-service knows, newest first (GET /orders, page by page). */
  public List<JsonNode> allOrders() {
    List<JsonNode> orders = new ArrayList<>();
    for (int page = 0; page < 10_000; page++) {
      JsonNode answer = get(Service.ORDER, "/orders?size=100&page=" + page);
      answer.path("content").forEach(orders::add);
      if (page + 1 >= answer.path("totalPages").asInt()) {
        return orders;
      }
    }
    throw new IllegalStateException("more than a million orders");
  }

  /** How many orders have this status (GET /orders?status=). */
  public long countWithStatus(String status) {
    return get(Service.ORDER, "/orders?size=1&status=" + status).path("totalElements").asLong();
  }

  public JsonNode customer(String id) {
    return get(Service.PAYMENT, "/customers/" + id);
  }

  /** Every customer's balance. */
  public Map<String, BigDecimal> balances() {
    Map<String, BigDecimal> balances = new LinkedHashMap<>();
    get(Service.PAYMENT, "/customers")
        .forEach(c -> balances.put(c.path("id").asString(), money(c.path("balance"))));
    return balances;
  }

  /** GET /stock as {sku: node with available and reserved}. */
  public Map<String, JsonNode> stock() {
    Map<String, JsonNode> stock = new LinkedHashMap<>();
    get(Service.INVENTORY, "/stock").forEach(s -> stock.put(s.path("sku").asString(), s));
    return stock;
  }

  /** A money field: an exact decimal string ("39.90") in every answer. */
  public static BigDecimal money(JsonNode field) {
    return new BigDecimal(field.asString());
  }

  public JsonNode notifications(String orderId) {
    return get(Service.NOTIFICATION, "/notifications?orderId=" + orderId);
  }

  private JsonNode get(Service service, String path) {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(shop.url(service) + path))
                .timeout(Duration.ofSeconds(30))
                .build());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "GET " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
