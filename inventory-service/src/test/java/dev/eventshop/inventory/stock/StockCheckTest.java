package dev.eventshop.inventory.stock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.inventory.events.Item;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StockCheckTest {

  @Test
  void linesOfTheSameSkuAddUp() {
    assertThat(StockCheck.wanted(List.of(new Item("B", 1), new Item("A", 2), new Item("B", 3))))
        .containsExactly(Map.entry("A", 2), Map.entry("B", 4));
  }

  @Test
  void enoughOfEverySkuHasNoShortage() {
    assertThat(StockCheck.shortages(Map.of("A", 2, "B", 4), Map.of("A", 2, "B", 10))).isEmpty();
  }

  @Test
  void namesEverySkuThatIsShortOrUnknown() {
    assertThat(
            StockCheck.shortages(
                StockCheck.wanted(List.of(new Item("A", 3), new Item("B", 1), new Item("C", 1))),
                Map.of("A", 2, "C", 5)))
        .containsExactly("out of stock: A (available 2, requested 3)", "unknown SKU: B");
  }
}
