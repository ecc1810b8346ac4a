package dev.eventshop.order.orders;

import dev.eventshop.support.ids.TimeOrderedIds;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import lombok.AccessLevel;
import lombok.Getter;
import lombok.NoArgsConstructor;

/**
 * An order and its place in the saga. The transitions below are the whole state machine (see {@link
 * OrderStatus}); each answers whether it changed anything, so a late or repeated event is harmless.
 * Invariant: {@code reason != null} exactly when the order is CANCELLED.
 */
@Entity(name = "ShopOrder")
@Table(name = "orders")
@Getter
@NoArgsConstructor(access = AccessLevel.PROTECTED)
class Order {

  @Id private UUID id;

  /**
   * Null until the row is inserted: it tells Spring Data that an entity with an id assigned in its
   * constructor is new, so {@code save} inserts it at once instead of selecting it first. It also
   * makes the second of two transactions that move the same order at once fail instead of
   * overwriting the first (OrderSaga).
   */
  @Version private Long version;

  private String customerId;

  @Enumerated(EnumType.STRING)
  private OrderStatus status;

  private String reason;
  private BigDecimal total;

  @Column(unique = true)
  private String idempotencyKey;

  @ElementCollection(fetch = FetchType.EAGER)
  @CollectionTable(name = "order_items", joinColumns = @JoinColumn(name = "order_id"))
  @OrderColumn(name = "line")
  private List<OrderLine> lines = new ArrayList<>();

  private Instant createdAt;
  private Instant updatedAt;

  Order(String customerId, List<OrderLine> lines, String idempotencyKey) {
    this.id = TimeOrderedIds.next();
    this.customerId = customerId;
    this.lines = new ArrayList<>(lines);
    this.total =
        lines.stream()
            .map(OrderLine::amount)
            .reduce(BigDecimal.ZERO, BigDecimal::add)
            .setScale(2, RoundingMode.UNNECESSARY);
    this.idempotencyKey = idempotencyKey;
    this.status = OrderStatus.PENDING;
    this.createdAt = Instant.now();
    this.updatedAt = createdAt;
  }

  /** The charge went through. */
  boolean markPaid() {
    return moveTo(OrderStatus.PAID, null, status == OrderStatus.PENDING);
  }

  /**
   * The stock was reserved. Also from PENDING: order-service reads payments and inventory from two
   * topics, so InventoryUpdated may be read before the PaymentSuccessful that caused it.
   */
  boolean confirm() {
    return moveTo(OrderStatus.CONFIRMED, null, !status.isFinal());
  }

  /** The order cannot complete; no money stays taken. */
  boolean cancel(String why) {
    return moveTo(OrderStatus.CANCELLED, why, !status.isFinal());
  }

  private boolean moveTo(OrderStatus next, String why, boolean allowed) {
    if (!allowed) {
      return false;
    }
    status = next;
    reason = why;
    updatedAt = Instant.now();
    return true;
  }
}
