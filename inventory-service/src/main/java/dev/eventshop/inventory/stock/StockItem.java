package dev.eventshop.inventory.stock;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import lombok.AccessLevel;
import lombok.Getter;
import lombok.NoArgsConstructor;

/** One SKU on the shelves. Invariant: {@code available >= 0} (also a database check). */
@Entity
@Table(name = "stock_items")
@Getter
@NoArgsConstructor(access = AccessLevel.PROTECTED)
class StockItem {

  @Id private String sku;
  private String name;
  private int available;

  StockItem(String sku, String name, int available) {
    this.sku = sku;
    this.name = name;
    this.available = available;
  }

  void take(int quantity) {
    if (quantity > available) {
      throw new IllegalStateException(
          "cannot take " + quantity + " of " + sku + ", only " + available + " available");
    }
    available -= quantity;
  }
}
