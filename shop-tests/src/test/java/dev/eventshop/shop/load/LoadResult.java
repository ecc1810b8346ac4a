package dev.eventshop.shop.load;

import dev.eventshop.shop.load.LoadRun.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What one measured run gives, as one row of a Markdown table. */
record LoadResult(
    int orders,
    int targetRate,
    double placedPerSecond,
    double completedPerSecond,
    List<Long> latenciesNanos,
    Map<Kind, Integer> outcomes,
    int unexpectedOutcomes,
    int unfinished,
    String loadAtStart) {

  static final String HEADER =
      "| broker | orders | target/s | placed/s | completed/s | p50 ms | p95 ms | p99 ms | max ms"
          + " | confirmed / declined / refunded | wrong outcome | unfinished | load avg (1/5/15"
          + " min) at start |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|";

  String row(String broker) {
    List<Long> sorted = latenciesNanos.stream().sorted().toList();
    return String.format(
        "| %s | %d | %d | %.0f | %.0f | %s | %s | %s | %s | %d / %d / %d | %d | %d | %s |",
        broker,
        orders,
        targetRate,
        placedPerSecond,
        completedPerSecond,
        millis(sorted, 0.50),
        millis(sorted, 0.95),
        millis(sorted, 0.99),
        millis(sorted, 1.0),
        outcomes.getOrDefault(Kind.CONFIRMED, 0),
        outcomes.getOrDefault(Kind.DECLINED, 0),
        outcomes.getOrDefault(Kind.REFUNDED, 0),
        unexpectedOutcomes,
        unfinished,
        loadAtStart);
  }

  private static String millis(List<Long> sorted, double quantile) {
    if (sorted.isEmpty()) {
      return "-";
    }
    int index = (int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1);
    return Long.toString(sorted.get(Math.max(0, index)) / 1_000_000);
  }

  /** The first three fields of /proc/loadavg (the machine is shared: say how busy it was). */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " / " + fields[1] + " / " + fields[2];
    } catch (IOException e) {
      return "unknown";
    }
  }
}
