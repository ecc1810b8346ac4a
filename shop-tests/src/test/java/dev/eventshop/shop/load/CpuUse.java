package dev.eventshop.shop.load;

import dev.eventshop.shop.e2e.ShopServices;
import dev.eventshop.shop.e2e.ShopServices.Service;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * CPU time each process used during a measured run, per order: where the two cores go. The driver's
 * JVM holds the broker, the order senders and the watcher.
 */
final class CpuUse {

  private final ShopServices shop;
  private final Map<Service, Duration> servicesAtStart = new EnumMap<>(Service.class);
  private final Duration driverAtStart;
  private final long startNanos = System.nanoTime();

  private CpuUse(ShopServices shop) {
    this.shop = shop;
    for (Service service : Service.values()) {
      servicesAtStart.put(service, shop.get(service).cpuTime());
    }
    this.driverAtStart = driverCpu();
  }

  static CpuUse start(ShopServices shop) {
    return new CpuUse(shop);
  }

  /** One line: CPU milliseconds per order for each process, and how busy the cores were. */
  String perOrder(int orders) {
    StringBuilder line = new StringBuilder("CPU ms per order:");
    Duration total = Duration.ZERO;
    for (Service service : Service.values()) {
      Duration used = shop.get(service).cpuTime().minus(servicesAtStart.get(service));
      total = total.plus(used);
      line.append(String.format(" %s %.1f,", service.module(), used.toNanos() / 1e6 / orders));
    }
    Duration driver = driverCpu().minus(driverAtStart);
    total = total.plus(driver);
    double wallSeconds = (System.nanoTime() - startNanos) / 1e9;
    line.append(
        String.format(
            " driver and broker %.1f; total %.1f (%.2f of %d cores busy on average)",
            driver.toNanos() / 1e6 / orders,
            total.toNanos() / 1e6 / orders,
            total.toNanos() / 1e9 / wallSeconds,
            Runtime.getRuntime().availableProcessors()));
    return line.toString();
  }

  private static Duration driverCpu() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return Duration.ofNanos(sun.getProcessCpuTime());
    }
    return Duration.ZERO;
  }
}
