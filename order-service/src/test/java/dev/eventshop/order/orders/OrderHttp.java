package dev.eventshop.order.orders;

import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Talks to order-service over HTTP the way a client would, without throwing on 4xx. */
record OrderHttp(RestClient http) {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  record Response(int status, HttpHeaders headers, JsonNode body) {}

  Response placeOrder(String json, String idempotencyKey) {
    return http.post()
        .uri("/orders")
        .contentType(MediaType.APPLICATION_JSON)
        .headers(
            h -> {
              if (idempotencyKey != null) {
                h.add("Idempotency-Key", idempotencyKey);
              }
            })
        .body(json)
        .exchange((request, response) -> read(response));
  }

  Response get(String uri) {
    return http.get().uri(uri).exchange((request, response) -> read(response));
  }

  JsonNode order(String id) {
    return get("/orders/" + id).body();
  }

  static String order(String customer, String... items) {
    return """
        {"customerId":"%s","items":[%s]}"""
        .formatted(customer, String.join(",", items));
  }

  static String item(String sku, int quantity) {
    return """
        {"sku":"%s","quantity":%d}"""
        .formatted(sku, quantity);
  }

  private static Response read(org.springframework.http.client.ClientHttpResponse response)
      throws java.io.IOException {
    String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
    return new Response(
        response.getStatusCode().value(),
        response.getHeaders(),
        body.isEmpty() ? JSON.missingNode() : JSON.readTree(body));
  }
}
