package dev.eventshop.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's way to run the shop and its walkthrough, end to end: {@code ./shop up} (on free
 * ports and its own data directory) starts three brokers and four services from docker-compose.yml;
 * one order of each outcome is placed over REST and followed to its final state; {@code ./shop
 * order}, {@code ./shop status} and {@code ./shop logs} work against it; kcat reads the cluster's
 * metadata and the orders topic (when installed); the leader of orders-0 is killed with {@code
 * ./shop kill} while an order is confirmed, and started again; {@code ./shop down} leaves no
 * process and no bound port.
 */
class ShopLauncherIT {

  static final Path ROOT = ReadmeTest.ROOT;
  static final Duration STEP = Duration.ofMinutes(3);
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final Optional<Path> KCAT = onPath("kcat");
  static final Optional<Path> CURL = onPath("curl");

  @TempDir Path dir;
  Process up;
  long lap;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stopEverything() throws Exception {
    if (up != null && up.isAlive()) {
      shop("down");
      up.destroy();
      if (!up.waitFor(60, TimeUnit.SECONDS)) {
        up.destroyForcibly();
      }
    }
  }

  @Test
  void upPlacesOrdersOfEveryOutcomeAndDownLeavesNothingBehind() throws Exception {
    Path output = dir.resolve("up.log");
    long t0 = System.nanoTime();
    up =
        new ProcessBuilder(
                List.of(
                    ROOT.resolve("shop").toString(),
                    "up",
                    "--data-dir",
                    dir.resolve("data").toString(),
                    "--free-ports"))
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    await("./shop up is ready")
        .atMost(STEP.multipliedBy(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> readyOrDead(output));
    assertThat(up.isAlive()).as(tail(output)).isTrue();
    System.out.printf(
        "./shop up healthy in %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    lap = System.nanoTime();
    Map<String, String> urls = addresses(Files.readString(output));
    String orders = urls.get("order-service");
    assertThat(urls).containsKeys("broker-1", "payment-service", "notification-service");

    String confirmed = place(orders, "alice", "BOOK-KAFKA", 1);
    String declined = place(orders, "bob", "BOOK-KAFKA", 1);
    String refunded = place(orders, "alice", "MUG-SOLDOUT", 1);

    JsonNode happy = awaitFinal(orders, confirmed);
    assertThat(happy.path("status").asString()).isEqualTo("CONFIRMED");
    assertThat(eventTypes(happy))
        .contains("OrderPlaced", "PaymentSuccessful", "InventoryUpdated", "OrderConfirmed");

    JsonNode noMoney = awaitFinal(orders, declined);
    assertThat(noMoney.path("status").asString()).isEqualTo("CANCELLED");
    assertThat(noMoney.path("reason").asString()).contains("insufficient funds");

    JsonNode soldOut = awaitFinal(orders, refunded);
    assertThat(soldOut.path("status").asString()).isEqualTo("CANCELLED");
    assertThat(eventTypes(soldOut))
        .contains("PaymentSuccessful", "InventoryRejected", "PaymentRefunded");
    JsonNode alice = get(urls.get("payment-service") + "/customers/alice");
    assertThat(alice.toString()).contains(refunded).contains("REFUNDED");
    await("the notification of the refunded order")
        .atMost(STEP)
        .until(
            () ->
                get(urls.get("notification-service") + "/notifications?orderId=" + refunded).size()
                    == 1);

    lap("three orders over REST, followed to their outcome");
    if (CURL.isPresent()) {
      placesTheReadmesOrdersWithCurl(orders);
      lap("README step 2's curl commands");
    } else {
      notInstalled("curl", "README step 2's curl commands");
    }
    followsAnOrderThroughTheLogs(confirmed);
    lap("README step 3, ./shop logs");
    List<String> brokers =
        List.of(urls.get("broker-1"), urls.get("broker-2"), urls.get("broker-3"));
    if (KCAT.isPresent()) {
      inspectsTheTopicsWithKcat(brokers.get(0));
      lap("README step 4, kcat");
    } else {
      notInstalled("kcat", "README step 4's kcat commands");
    }
    inspectsTheShopWithKafkasTools(brokers.get(0));
    lap("README step 4, Kafka's tools");
    keepsTakingOrdersWhileABrokerIsDown(brokers);
    lap("README step 5, a broker killed, an order confirmed, the broker back and healthy");

    // The README's other commands, after the failover so that every pid below is current.
    Result order = shop("order", "dave", "STICKER-PACK:2");
    assertThat(order.exit()).as(order.output()).isZero();
    assertThat(order.output()).contains("CONFIRMED").contains("OrderPlaced");
    Result status = shop("status");
    assertThat(status.exit()).as(status.output()).isZero();
    assertThat(status.output()).contains("7 of 7 healthy");
    List<Long> pids = pids(status.output());
    List<Integer> ports = ports(status.output());
    assertThat(pids).hasSize(7);
    assertThat(ports).hasSizeGreaterThanOrEqualTo(10); // 7 listeners + 3 Raft ports

    Result down = shop("down");
    assertThat(down.exit()).as(down.output()).isZero();
    assertThat(up.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)).isTrue();
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid %d", pid).isEmpty();
    }
    for (int port : ports) {
      assertThat(free(port)).as("port %d", port).isTrue();
    }
    assertThat(Files.readString(output)).contains("shop: stopped; no process of the shop is left");
  }

  /**
   * README step 2's curl commands as written, pointed at this shop's order-service: each POST is
   * answered with an order id, and each order reaches its outcome; then the GET shows it.
   */
  private void placesTheReadmesOrdersWithCurl(String orders) throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String step2 = readme.substring(readme.indexOf("### 2. "), readme.indexOf("### 3. "));
    List<String> commands =
        Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL)
            .matcher(step2)
            .results()
            .flatMap(block -> Stream.of(block.group(1).replace("\\\n", "").split("\n")))
            .map(line -> line.replace("localhost:8081", orders.replace("http://", "")))
            .toList();
    List<String> posts = commands.stream().filter(c -> c.startsWith("curl -s -X POST")).toList();
    assertThat(posts).hasSize(3);
    List<String> outcomes = new ArrayList<>();
    String first = null;
    for (String post : posts) {
      Result placed = run(List.of("bash", "-c", post), post);
      assertThat(placed.exit()).as(placed.output()).isZero();
      String id = JSON.readTree(placed.output()).path("id").asString();
      first = first == null ? id : first;
      outcomes.add(awaitFinal(orders, id).path("status").asString());
    }
    assertThat(outcomes).containsExactly("CONFIRMED", "CANCELLED", "CANCELLED");
    String get =
        commands.stream()
            .filter(c -> c.startsWith("curl -s localhost") || c.startsWith("curl -s 127"))
            .findFirst()
            .orElseThrow();
    String getFirst = get.replaceAll("<id from the answer>\\s*#.*", first);
    Result shown = run(List.of("bash", "-c", getFirst), getFirst);
    assertThat(shown.output()).contains("\"status\":\"CONFIRMED\"").contains("timeline");
  }

  /** README step 3: the logs of all four services name the order. */
  private void followsAnOrderThroughTheLogs(String orderId) throws Exception {
    Result logs = shop("logs");
    assertThat(logs.exit()).as(logs.output()).isZero();
    List<String> lines = logs.output().lines().filter(l -> l.contains(orderId)).toList();
    for (String service :
        List.of("order-service", "payment-service", "inventory-service", "notification-service")) {
      assertThat(lines).as(service).anyMatch(l -> l.startsWith(service + " "));
    }
    assertThat(String.join("\n", lines))
        .contains("OrderPlaced", "PaymentSuccessful", "InventoryUpdated")
        .containsPattern("orders-\\d@\\d+");
  }

  /** README step 4, with kcat: the cluster's metadata, then the orders topic's records. */
  private void inspectsTheTopicsWithKcat(String broker) throws Exception {
    Result metadata = kcat("-L", "-b", broker);
    assertThat(metadata.exit()).as(metadata.output()).isZero();
    assertThat(metadata.output())
        .contains("3 brokers:")
        .containsPattern("topic \"orders\" with 3 partitions")
        .containsPattern("partition 0, leader \\d, replicas: \\d,\\d,\\d, isrs: \\d,\\d,\\d");
    Result records = kcat("-C", "-b", broker, "-t", "orders", "-e", "-f", "%t-%p@%o key=%k %s\\n");
    assertThat(records.exit()).as(records.output()).isZero();
    assertThat(records.output()).containsPattern("orders-\\d@\\d+ key=\\S+ \\{");
  }

  /** The main classes the bin/ scripts of an Apache Kafka download run, for README step 4. */
  static final Map<String, String> KAFKA_SCRIPTS =
      Map.of(
          "bin/kafka-topics.sh", "org.apache.kafka.tools.TopicCommand",
          "bin/kafka-consumer-groups.sh",
              "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
          "bin/kafka-get-offsets.sh", "org.apache.kafka.tools.GetOffsetShell",
          "bin/kafka-metadata-quorum.sh", "org.apache.kafka.tools.MetadataQuorumCommand");

  /**
   * README step 4 with Kafka's own tools: each bin/ command as written, pointed at this shop's
   * broker and run as its script runs it, the tool's main class in its own JVM (from the
   * kafka-tools jar on this test's classpath).
   */
  private void inspectsTheShopWithKafkasTools(String broker) throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String step4 = readme.substring(readme.indexOf("### 4. "), readme.indexOf("### 5. "));
    List<String> lines = step4.lines().filter(l -> l.startsWith("bin/kafka-")).toList();
    assertThat(lines).hasSize(KAFKA_SCRIPTS.size());
    Map<String, String> outputs = new LinkedHashMap<>();
    for (String line : lines) {
      List<String> words =
          new ArrayList<>(List.of(line.replace("127.0.0.1:9092", broker).trim().split("\\s+")));
      String script = words.remove(0);
      assertThat(KAFKA_SCRIPTS).as(line).containsKey(script);
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  KAFKA_SCRIPTS.get(script)));
      command.addAll(words);
      Result result = run(command, line);
      assertThat(result.exit()).as(result.output()).isZero();
      outputs.put(script, result.output());
    }
    assertThat(outputs.get("bin/kafka-topics.sh"))
        .contains("Topic: orders")
        .containsPattern("Partition: 0\\s+Leader: \\d\\s+Replicas: \\d,\\d,\\d\\s+Isr: \\d");
    assertThat(outputs.get("bin/kafka-consumer-groups.sh"))
        .containsPattern("payment-service\\s+orders\\s+\\d\\s+\\d+\\s+\\d+\\s+\\d+");
    assertThat(outputs.get("bin/kafka-get-offsets.sh")).containsPattern("payments:\\d:\\d+");
    assertThat(outputs.get("bin/kafka-metadata-quorum.sh"))
        .containsPattern("LeaderId:\\s+[123]")
        .containsPattern("CurrentVoters:\\s+\\[\\{\"id\": \\d.*\\{\"id\": \\d.*\\{\"id\": \\d")
        .containsPattern("CurrentObservers:\\s+\\[\\]");
  }

  /**
   * README step 5: the leader of orders-0 is killed (SIGKILL), leadership moves to another broker,
   * an order is still confirmed with two of three replicas, and the broker, started again, rejoins.
   */
  private void keepsTakingOrdersWhileABrokerIsDown(List<String> brokers) throws Exception {
    int leader = leaderOfOrders0(brokers.get(1));
    String victim = "broker-" + leader;
    Result kill = shop("kill", victim);
    assertThat(kill.exit()).as(kill.output()).isZero();
    List<String> alive = new ArrayList<>(brokers);
    alive.remove(leader - 1);
    await("leadership of orders-0 moves away from " + victim)
        .atMost(STEP)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> leaderOfOrders0(alive.get(0)) != leader);

    Result during = shop("order", "dave", "STICKER-PACK");
    assertThat(during.exit()).as(during.output()).isZero();
    assertThat(during.output()).contains("CONFIRMED");

    Result start = shop("start", victim);
    assertThat(start.exit()).as(start.output()).isZero();
    await(victim + " is healthy again")
        .atMost(STEP)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> shop("status").output().contains("7 of 7 healthy"));
  }

  /** The leader of orders-0 as the cluster's metadata names it, read with a Kafka admin client. */
  private static int leaderOfOrders0(String bootstrap) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(
                "bootstrap.servers",
                bootstrap,
                "request.timeout.ms",
                "5000",
                "default.api.timeout.ms",
                "10000"))) {
      TopicPartitionInfo p0 =
          admin
              .describeTopics(List.of("orders"))
              .allTopicNames()
              .get(15, TimeUnit.SECONDS)
              .get("orders")
              .partitions()
              .get(0);
      return p0.leader() == null ? -1 : p0.leader().id();
    }
  }

  private Result kcat(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(KCAT.get().toString()));
    command.addAll(List.of(args));
    return run(command, "kcat " + String.join(" ", args));
  }

  private boolean readyOrDead(Path output) throws IOException {
    return !up.isAlive() || Files.readString(output).contains("shop: ready in ");
  }

  /** Prints how long a step took (the suite's time matters on two shared cores). */
  private void lap(String step) {
    long now = System.nanoTime();
    System.out.printf("%s: %d s%n", step, TimeUnit.NANOSECONDS.toSeconds(now - lap));
    lap = now;
  }

  private String place(String base, String customer, String sku, int quantity) throws Exception {
    String body =
        "{\"customerId\":\"%s\",\"items\":[{\"sku\":\"%s\",\"quantity\":%d}]}"
            .formatted(customer, sku, quantity);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return JSON.readTree(response.body()).path("id").asString();
  }

  private JsonNode awaitFinal(String base, String id) {
    JsonNode[] last = new JsonNode[1];
    await("order " + id + " reaches a final state")
        .atMost(STEP)
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              last[0] = get(base + "/orders/" + id);
              String status = last[0].path("status").asString();
              return status.equals("CONFIRMED") || status.equals("CANCELLED");
            });
    return last[0];
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url + " " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static List<String> eventTypes(JsonNode order) {
    List<String> types = new ArrayList<>();
    order.path("timeline").forEach(e -> types.add(e.path("eventType").asString()));
    return types;
  }

  /** The addresses that `./shop up` prints once ready: " order-service http://127.0.0.1:..". */
  static Map<String, String> addresses(String output) {
    Map<String, String> result = new LinkedHashMap<>();
    Matcher m =
        Pattern.compile(
                "^\\s+([a-z0-9-]+)\\s+((?:http://)?127\\.0\\.0\\.1:\\d+)$", Pattern.MULTILINE)
            .matcher(output);
    while (m.find()) {
      result.put(m.group(1), m.group(2));
    }
    return result;
  }

  static List<Long> pids(String status) {
    List<Long> result = new ArrayList<>();
    Matcher m = Pattern.compile("^[a-z0-9-]+\\s+(\\d+)\\s", Pattern.MULTILINE).matcher(status);
    while (m.find()) {
      result.add(Long.parseLong(m.group(1)));
    }
    return result;
  }

  static List<Integer> ports(String status) {
    List<Integer> result = new ArrayList<>();
    Matcher m = Pattern.compile("(?:127\\.0\\.0\\.1:|\\+)(\\d+)").matcher(status);
    while (m.find()) {
      result.add(Integer.parseInt(m.group(1)));
    }
    return result;
  }

  static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  record Result(int exit, String output) {}

  private Result shop(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("shop").toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--data-dir", dir.resolve("data").toString()));
    return run(command, "./shop " + String.join(" ", args));
  }

  private Result run(List<String> command, String name) throws Exception {
    Path out = Files.createTempFile(dir, "run-", ".out");
    Process p =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not finish");
    }
    return new Result(p.exitValue(), Files.readString(out));
  }

  /**
   * A program a README step needs is missing: in CI ({@code CI=true}, whose script installs it) the
   * test fails; on a developer's machine the step is left out, and said so, while the rest of the
   * walkthrough still runs.
   */
  static void notInstalled(String program, String step) {
    String message = program + " is not installed: " + step + " not run";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(message + " (CI=true: .ci/run is expected to install it)");
    }
    System.out.println(message);
  }

  static Optional<Path> onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
        .map(d -> Path.of(d, program))
        .filter(Files::isExecutable)
        .findFirst();
  }

  private static String tail(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
