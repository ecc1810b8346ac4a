package dev.eventshop.inventory.stock;

import dev.eventshop.inventory.events.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Whether an order's items fit the shelves: the rule that keeps stock from going negative. */
final class StockCheck {

  private StockCheck() {}

  /** Quantities per SKU, summed over the order's lines and sorted by SKU. */
  static SortedMap<String, Integer> wanted(List<Item> items) {
    SortedMap<String, Integer> wanted = new TreeMap<>();
    for (Item item : items) {
      wanted.merge(item.sku(), item.quantity(), Integer::sum);
    }
    return wanted;
  }

  /**
   * Why the order cannot be reserved, one entry per SKU that is unknown or short; empty if every
   * SKU has enough.
   */
  static List<String> shortages(Map<String, Integer> wanted, Map<String, Integer> available) {
    List<String> shortages = new ArrayList<>();
    wanted.forEach(
        (sku, quantity) -> {
          Integer onShelf = available.get(sku);
          if (onShelf == null) {
            shortages.add("unknown SKU: " + sku);
          } else if (onShelf < quantity) {
            shortages.add(
                "out of stock: %s (available %d, requested %d)".formatted(sku, onShelf, quantity));
          }
        });
    return shortages;
  }
}
