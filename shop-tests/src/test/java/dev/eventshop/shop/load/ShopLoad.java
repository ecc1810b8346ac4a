package dev.eventshop.shop.load;

import dev.eventshop.shop.e2e.ShopBroker;
import dev.eventshop.shop.e2e.ShopClient;
import dev.eventshop.shop.e2e.ShopServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.util.FileSystemUtils;

/**
 * The shop's load benchmark (run by {@code bench/shop-load.sh}): for each broker, starts it and the
 * four services on this machine, places orders at a target rate with a mix of outcomes, and prints
 * orders/s, the latency from placing an order to its final event, and the outcome counts. See
 * docs/performance.md. Not a test: it asserts nothing about speed.
 *
 * <p>Arguments: {@code [orders] [rate per second] [brokers]}, default {@code 6000 300
 * mini-broker,kafka}; the brokers are {@code mini-broker} (one node), {@code mini-broker-3} (three
 * nodes in this JVM, topics with replication factor 3 and min.insync.replicas 2) and {@code kafka}
 * (Apache Kafka, one node). A warm-up of a fifth of the orders (at least 500) at the same rate runs
 * first and is not counted.
 */
public final class ShopLoad {

  /**
   * The services' JVM options as docker-compose.yml (and so {@code ./shop up}) run them: a small
   * heap, the serial collector, and the C1 compiler only. Four services and a broker share two
   * cores, and C2's compilations cost more CPU than its faster code saves in runs of minutes: with
   * C2 (the default) the shop used 55 ms of CPU per order, with C1 only 30 (docs/performance.md).
   */
  static final List<String> SERVICE_JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /**
   * Extra options for every service JVM, separated by spaces, for example flight recordings: {@code
   * SHOP_LOAD_JVM_OPTIONS='-XX:StartFlightRecording=filename=/tmp/jfr/,dumponexit=true'} (a
   * directory, so that each service JVM writes its own file there, named by its pid).
   */
  static final String EXTRA_JVM_OPTIONS = "SHOP_LOAD_JVM_OPTIONS";

  /**
   * On a three-node cluster the services create their topics as docker-compose.yml has them:
   * replication factor 3, and the brokers' min.insync.replicas (2).
   */
  static final Map<String, String> REPLICATED = Map.of("SHOP_KAFKA_REPLICATIONFACTOR", "3");

  private ShopLoad() {}

  public static void main(String[] args) throws Exception {
    int orders = args.length > 0 ? Integer.parseInt(args[0]) : 6000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    List<String> brokers = List.of((args.length > 2 ? args[2] : "mini-broker,kafka").split(","));
    Path root = Path.of(System.getProperty("shop.root", ".")).toAbsolutePath().normalize();
    List<String> report = new ArrayList<>();
    for (String name : brokers) {
      report.add(
          switch (name) {
            case "mini-broker" -> run(root, ShopBroker::miniBroker, Map.of(), orders, rate);
            case "mini-broker-3" ->
                run(root, () -> ShopBroker.miniBrokerCluster(3), REPLICATED, orders, rate);
            case "kafka" -> run(root, ShopBroker::apacheKafka, Map.of(), orders, rate);
            default -> throw new IllegalArgumentException("unknown broker " + name);
          });
    }
    System.out.println();
    System.out.println(LoadResult.HEADER);
    report.forEach(System.out::println);
  }

  private static List<String> serviceJvm() {
    List<String> options = new ArrayList<>(SERVICE_JVM);
    String extra = System.getenv().getOrDefault(EXTRA_JVM_OPTIONS, "").trim();
    if (!extra.isEmpty()) {
      options.addAll(List.of(extra.split("\\s+")));
    }
    return options;
  }

  private static String run(
      Path root,
      Supplier<ShopBroker> startBroker,
      Map<String, String> serviceEnvironment,
      int orders,
      int rate)
      throws Exception {
    Path dir = Files.createTempDirectory("shop-load");
    try (ShopBroker broker = startBroker.get();
        ShopServices shop =
            ShopServices.start(
                root, broker.bootstrapServers(), dir, serviceJvm(), serviceEnvironment);
        OrderWatcher watcher = new OrderWatcher(broker.bootstrapServers())) {
      System.out.printf("%s: shop up (data and logs in %s, deleted at the end)%n", broker, dir);
      LoadRun load = new LoadRun(new ShopClient(shop), watcher, rate);
      int warmUp = Math.max(500, orders / 5);
      System.out.printf("warm-up: %d orders at %d/s%n", warmUp, rate);
      load.place(warmUp);
      System.out.printf("measuring: %d orders at %d/s%n", orders, rate);
      CpuUse cpu = CpuUse.start(shop);
      LoadResult result = load.place(orders);
      String line = result.row(broker.toString());
      System.out.println(LoadResult.HEADER);
      System.out.println(line);
      System.out.println(cpu.perOrder(orders));
      return line;
    } finally {
      FileSystemUtils.deleteRecursively(dir);
    }
  }
}
