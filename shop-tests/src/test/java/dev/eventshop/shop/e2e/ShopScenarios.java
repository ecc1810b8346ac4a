package dev.eventshop.shop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventshop.shop.e2e.ShopServices.Service;
import dev.eventshop.support.testing.KafkaProbe;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The shop end to end: a broker and the four services running together, driven over REST, with a
 * Kafka client only where a scenario needs the wire itself (a record delivered twice, a poison
 * record). Each concrete subclass supplies the broker, reached by the services only through {@code
 * SPRING_KAFKA_BOOTSTRAP_SERVERS}; the scenarios are the same for every broker.
 *
 * <p>The services run as processes ({@code java -jar <module>/target/<module>.jar}), not as Spring
 * contexts in the test JVM: the four applications each have an {@code application.yml} and a {@code
 * db/migration} folder at the same classpath root, and their jars are Spring Boot's repackaged
 * ones, so one JVM would need a class loader per service to keep them apart. Processes are what
 * Docker Compose and {@code ./shop up} run, a killed process is a real crash (no shutdown hook, no
 * commit), and a restart reads the same database files. The price is JVM start-up: four Spring Boot
 * JVMs per broker, plus one restart (3 to 6 minutes per broker when this was written, on 2 cores at
 * a load average of 20 to 40; much less on an idle machine). The broker runs in the test JVM (or in
 * Docker for the Testcontainers twins).
 *
 * <p>The scenarios share one shop and run in a fixed order; each measures its effect as a
 * difference, and the last one checks the invariants over every order all of them placed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class ShopScenarios {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final List<String> TEST_JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");
  static final int RANDOM_ORDERS = 500;

  @TempDir static Path dir;

  private ShopBroker broker;
  private ShopServices shop;
  private ShopClient client;
  private KafkaProbe probe;
  private Map<String, BigDecimal> initialBalances;
  private Map<String, Integer> initialStock;

  /** Starts the broker the scenarios run on (or returns one started by an extension). */
  protected abstract ShopBroker startBroker() throws Exception;

  @BeforeAll
  void startShop() throws Exception {
    long t0 = System.nanoTime();
    broker = startBroker();
    shop = ShopServices.start(ROOT, broker.bootstrapServers(), dir, TEST_JVM, Map.of());
    client = new ShopClient(shop);
    probe = new KafkaProbe(broker.bootstrapServers());
    initialBalances = client.balances();
    initialStock = new LinkedHashMap<>();
    client.stock().forEach((sku, s) -> initialStock.put(sku, s.path("available").asInt()));
    System.out.printf(
        "%s: broker and four services up in %d s%n",
        broker, Duration.ofNanos(System.nanoTime() - t0).toSeconds());
  }

  @AfterAll
  void stopShop() throws Exception {
    try {
      if (probe != null) {
        probe.close();
      }
      if (shop != null) {
        shop.close();
      }
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  @Test
  @Order(1)
  void happyPathConfirmsChargesReservesNotifiesAndShowsWhereEachEventSits() {
    BigDecimal balance = client.balances().get("alice");
    int books = available("BOOK-KAFKA");

    String id = client.place("alice", Map.of("BOOK-KAFKA", 2));
    JsonNode order = client.awaitFinal(id);

    assertThat(order.path("status").asString()).as(order.toString()).isEqualTo("CONFIRMED");
    assertThat(client.balances().get("alice"))
        .isEqualByComparingTo(balance.subtract(new BigDecimal("79.80")));
    assertThat(available("BOOK-KAFKA")).isEqualTo(books - 2);
    assertThat(paymentsOf("alice", id))
        .extracting(p -> p.path("status").asString())
        .containsExactly("CHARGED");
    await("the confirmation is recorded")
        .atMost(ShopClient.FINAL_STATE_TIMEOUT)
        .until(() -> client.notifications(id).size() == 1);
    // The relay marks OrderConfirmed sent (with its offset) just after the broker acknowledged it.
    JsonNode timeline =
        await("every event of the timeline has its partition and offset")
            .atMost(ShopClient.FINAL_STATE_TIMEOUT)
            .until(() -> client.order(id).path("timeline"), ShopScenarios::allPositioned);
    assertThat(eventTypes(timeline))
        .containsExactly("OrderPlaced", "PaymentSuccessful", "InventoryUpdated", "OrderConfirmed");
    for (JsonNode event : timeline) {
      assertThat(event.path("topic").asString()).isIn("orders", "payments", "inventory");
      assertThat(event.path("partition").asInt()).isBetween(0, 2);
      assertThat(event.path("offset").asLong()).isNotNegative();
    }
  }

  @Test
  @Order(2)
  void declinedPaymentCancelsTheOrderWithTheReason() {
    String id = client.place("bob", Map.of("BOOK-KAFKA", 1));
    JsonNode order = client.awaitFinal(id);

    assertThat(order.path("status").asString()).isEqualTo("CANCELLED");
    assertThat(order.path("reason").asString()).contains("insufficient funds");
    assertThat(paymentsOf("bob", id))
        .extracting(p -> p.path("status").asString())
        .containsExactly("DECLINED");
    assertThat(eventTypes(order.path("timeline")))
        .contains("PaymentFailed")
        .doesNotContain("InventoryUpdated");
  }

  @Test
  @Order(3)
  void outOfStockIsChargedRefundedAndCancelled() {
    BigDecimal balance = client.balances().get("alice");

    String id = client.place("alice", Map.of("MUG-SOLDOUT", 1));
    JsonNode order = client.awaitFinal(id);

    assertThat(order.path("status").asString()).isEqualTo("CANCELLED");
    assertThat(order.path("reason").asString()).contains("MUG-SOLDOUT");
    assertThat(eventTypes(order.path("timeline")))
        .containsSubsequence(
            "OrderPlaced", "PaymentSuccessful", "PaymentRefunded", "OrderCancelled")
        .contains("InventoryRejected");
    assertThat(paymentsOf("alice", id))
        .extracting(p -> p.path("status").asString())
        .containsExactly("REFUNDED");
    assertThat(client.balances().get("alice")).isEqualByComparingTo(balance);
    assertThat(available("MUG-SOLDOUT")).isZero();
  }

  @Test
  @Order(4)
  void theSameIdempotencyKeyTwiceGivesOneOrder() {
    long before = client.allOrders().size();
    String key = UUID.randomUUID().toString();
    String body = ShopClient.orderBody("dave", Map.of("STICKER-PACK", 1));

    String first = client.placeWithKey(body, key);
    String second = client.placeWithKey(body, key);

    assertThat(second).isEqualTo(first);
    assertThat(client.allOrders()).hasSize((int) before + 1);
    assertThat(client.awaitFinal(first).path("status").asString()).isEqualTo("CONFIRMED");
    assertThat(paymentsOf("dave", first)).hasSize(1);
  }

  @Test
  @Order(5)
  void anEventDeliveredTwiceChargesAndReservesOnce() throws Exception {
    String id = client.place("dave", Map.of("STICKER-PACK", 3));
    assertThat(client.awaitFinal(id).path("status").asString()).isEqualTo("CONFIRMED");
    JsonNode timeline =
        await()
            .atMost(ShopClient.FINAL_STATE_TIMEOUT)
            .until(() -> client.order(id).path("timeline"), ShopScenarios::allPositioned);
    BigDecimal balance = client.balances().get("dave");
    int stickers = available("STICKER-PACK");

    RecordMetadata placedAgain = redeliver(entry(timeline, "OrderPlaced"));
    RecordMetadata paidAgain = redeliver(entry(timeline, "PaymentSuccessful"));
    probe.awaitConsumed("payment-service", placedAgain);
    probe.awaitConsumed("notification-service", placedAgain);
    probe.awaitConsumed("inventory-service", paidAgain);
    probe.awaitConsumed("order-service", paidAgain);

    assertThat(paymentsOf("dave", id)).hasSize(1);
    assertThat(client.balances().get("dave")).isEqualByComparingTo(balance);
    assertThat(available("STICKER-PACK")).isEqualTo(stickers);
    assertThat(client.order(id).path("status").asString()).isEqualTo("CONFIRMED");
    assertThat(client.notifications(id)).hasSize(1);
  }

  @Test
  @Order(6)
  void aPoisonRecordIsParkedInTheDeadLetterTopicWhileOtherOrdersProceed() {
    String poison = "not an event " + UUID.randomUUID();
    // One poison record in each partition of `orders`, ahead of the orders placed next.
    for (int partition = 0; partition < 3; partition++) {
      probe.send("orders", keyFor(partition, 3), poison, "eventType", "OrderPlaced");
    }

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(client.place("alice", Map.of("MUG-KAFKA", 1)));
    }

    for (String id : ids) {
      assertThat(client.awaitFinal(id).path("status").asString()).isEqualTo("CONFIRMED");
    }
    // payment-service parks each of the three; notification-service reads `orders` too.
    List<ConsumerRecord<String, String>> parked =
        probe.awaitRecords("orders.DLT", r -> poison.equals(r.value()), 6);
    assertThat(parked)
        .extracting(r -> KafkaProbe.header(r, "kafka_dlt-original-topic"))
        .containsOnly("orders");
    assertThat(parked).extracting(ConsumerRecord::partition).contains(0, 1, 2);
  }

  @Test
  @Order(7)
  void aServiceKilledMidSagaCompletesItsOrdersAfterRestart() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(client.place("alice", Map.of("TSHIRT-KAFKA", 1)));
    }
    shop.kill(Service.INVENTORY); // some of the ten are in its hands right now
    List<String> whileDown = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      whileDown.add(client.place("alice", Map.of("TSHIRT-KAFKA", 1)));
    }
    for (String id : whileDown) {
      // Charged, and waiting for the stock that nobody can reserve now.
      assertThat(client.awaitStatus(id, Set.of("PAID")).path("status").asString())
          .isEqualTo("PAID");
    }

    shop.restart(Service.INVENTORY);

    ids.addAll(whileDown);
    for (String id : ids) {
      assertThat(client.awaitFinal(id).path("status").asString()).isEqualTo("CONFIRMED");
    }
  }

  @Test
  @Order(8)
  void fiveHundredRandomOrdersKeepMoneyAndStockConsistent() throws Exception {
    long seed = System.nanoTime();
    System.out.println("random orders: seed " + seed);
    Random random = new Random(seed);
    List<String> customers = List.of("alice", "alice", "dave", "dave", "carol", "bob", "nobody");
    List<String> skus = List.copyOf(initialStock.keySet());
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < RANDOM_ORDERS; i++) {
      Map<String, Integer> items = new LinkedHashMap<>();
      int lines = 1 + random.nextInt(3);
      for (int l = 0; l < lines; l++) {
        items.put(skus.get(random.nextInt(skus.size())), 1 + random.nextInt(3));
      }
      bodies.add(ShopClient.orderBody(customers.get(random.nextInt(customers.size())), items));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> placed = new ArrayList<>();
      for (String body : bodies) {
        placed.add(pool.submit(() -> client.placeWithKey(body, null)));
      }
      for (Future<String> id : placed) {
        id.get();
      }
    } finally {
      pool.shutdownNow();
    }
    await("every order reaches a final state")
        .atMost(ShopClient.FINAL_STATE_TIMEOUT.multipliedBy(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> client.countWithStatus("PENDING") + client.countWithStatus("PAID") == 0);

    List<JsonNode> orders = client.allOrders();
    assertThat(orders).hasSizeGreaterThanOrEqualTo(RANDOM_ORDERS);
    assertThat(orders)
        .extracting(o -> o.path("status").asString())
        .containsOnly("CONFIRMED", "CANCELLED");
    assertMoneyIsConserved(orders);
    assertStockMatchesConfirmedOrders(orders);
  }

  /** Per customer: the seeded balance = balance + what is charged; charged = confirmed totals. */
  private void assertMoneyIsConserved(List<JsonNode> orders) {
    Map<String, BigDecimal> confirmedTotals = new HashMap<>();
    Map<String, String> statusById = new HashMap<>();
    for (JsonNode order : orders) {
      statusById.put(order.path("id").asString(), order.path("status").asString());
      if (order.path("status").asString().equals("CONFIRMED")) {
        confirmedTotals.merge(
            order.path("customerId").asString(),
            ShopClient.money(order.path("total")),
            BigDecimal::add);
      }
    }
    Map<String, BigDecimal> balances = client.balances();
    for (String customer : initialBalances.keySet()) {
      BigDecimal charged = BigDecimal.ZERO;
      Set<String> paidOrders = new java.util.HashSet<>();
      for (JsonNode payment : client.customer(customer).path("payments")) {
        String orderId = payment.path("orderId").asString();
        assertThat(paidOrders.add(orderId)).as("one payment per order: %s", orderId).isTrue();
        if (payment.path("status").asString().equals("CHARGED")) {
          charged = charged.add(ShopClient.money(payment.path("amount")));
          assertThat(statusById.get(orderId))
              .as("charged order %s", orderId)
              .isEqualTo("CONFIRMED");
        }
      }
      assertThat(balances.get(customer))
          .as("%s: balance + charges - refunds = seeded balance", customer)
          .isNotNegative()
          .isEqualByComparingTo(initialBalances.get(customer).subtract(charged));
      assertThat(charged)
          .as("%s: charged = totals of confirmed orders", customer)
          .isEqualByComparingTo(confirmedTotals.getOrDefault(customer, BigDecimal.ZERO));
    }
  }

  /** Per SKU: available >= 0, available + reserved = seeded, reserved = confirmed quantities. */
  private void assertStockMatchesConfirmedOrders(List<JsonNode> orders) {
    Map<String, Long> confirmed = new HashMap<>();
    for (JsonNode order : orders) {
      if (order.path("status").asString().equals("CONFIRMED")) {
        for (JsonNode line : client.order(order.path("id").asString()).path("items")) {
          confirmed.merge(line.path("sku").asString(), line.path("quantity").asLong(), Long::sum);
        }
      }
    }
    client
        .stock()
        .forEach(
            (sku, s) -> {
              assertThat(s.path("available").asInt()).as(sku).isNotNegative();
              assertThat(s.path("available").asLong() + s.path("reserved").asLong())
                  .as("%s: available + reserved = seeded", sku)
                  .isEqualTo(initialStock.get(sku).longValue());
              assertThat(s.path("reserved").asLong())
                  .as("%s: reserved = quantities of confirmed orders", sku)
                  .isEqualTo(confirmed.getOrDefault(sku, 0L));
            });
  }

  private int available(String sku) {
    return client.stock().get(sku).path("available").asInt();
  }

  private List<JsonNode> paymentsOf(String customer, String orderId) {
    List<JsonNode> payments = new ArrayList<>();
    client
        .customer(customer)
        .path("payments")
        .forEach(
            p -> {
              if (p.path("orderId").asString().equals(orderId)) {
                payments.add(p);
              }
            });
    return payments;
  }

  private static List<String> eventTypes(JsonNode timeline) {
    List<String> types = new ArrayList<>();
    timeline.forEach(e -> types.add(e.path("eventType").asString()));
    return types;
  }

  private static boolean allPositioned(JsonNode timeline) {
    for (JsonNode event : timeline) {
      if (event.path("offset").isNull() || event.path("offset").isMissingNode()) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode entry(JsonNode timeline, String eventType) {
    for (JsonNode event : timeline) {
      if (event.path("eventType").asString().equals(eventType)) {
        return event;
      }
    }
    throw new AssertionError("no " + eventType + " in " + timeline);
  }

  /** Publishes the record at the timeline entry's position again: same key, value and headers. */
  private RecordMetadata redeliver(JsonNode entry) {
    TopicPartition partition =
        new TopicPartition(entry.path("topic").asString(), entry.path("partition").asInt());
    long offset = entry.path("offset").asLong();
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seek(partition, offset);
      ConsumerRecord<String, String> original =
          await("the record at " + partition + "@" + offset)
              .atMost(KafkaProbe.TIMEOUT)
              .pollInterval(Duration.ZERO)
              .until(
                  () -> {
                    for (var record : consumer.poll(Duration.ofMillis(200))) {
                      if (record.offset() == offset) {
                        return record;
                      }
                    }
                    return null;
                  },
                  r -> r != null);
      List<String> headers = new ArrayList<>();
      for (Header header : original.headers()) {
        headers.add(header.key());
        headers.add(new String(header.value(), StandardCharsets.UTF_8));
      }
      return probe.send(
          partition.topic(), original.key(), original.value(), headers.toArray(String[]::new));
    }
  }

  /** A record key that the default partitioner puts into {@code partition} of {@code count}. */
  private static String keyFor(int partition, int count) {
    for (int i = 0; i < 10_000; i++) {
      String key = "poison-" + i;
      if (Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % count
          == partition) {
        return key;
      }
    }
    throw new IllegalStateException("no key for partition " + partition);
  }
}
