package dev.eventshop.order.orders;

/**
 * Where an order is in the saga. {@code PENDING -> PAID -> CONFIRMED}, or {@code -> CANCELLED} from
 * PENDING (payment declined) or PAID (stock rejected, charge refunded). CONFIRMED and CANCELLED are
 * final: no later event changes them.
 */
public enum OrderStatus {
  PENDING,
  PAID,
  CONFIRMED,
  CANCELLED;

  boolean isFinal() {
    return this == CONFIRMED || this == CANCELLED;
  }
}
