package dev.eventshop.order.events;

import java.util.Objects;

/** One line of an order, as the events carry it. */
public record Item(String sku, int quantity) {

  public Item {
    Objects.requireNonNull(sku, "sku");
  }
}
