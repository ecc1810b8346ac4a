package dev.eventshop.payment.payments;

import dev.eventshop.support.ids.TimeOrderedIds;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import lombok.AccessLevel;
import lombok.Getter;
import lombok.NoArgsConstructor;

/**
 * What this service did with one order's charge. At most one per order (unique order id): {@code
 * CHARGED -> REFUNDED}, or {@code DECLINED}.
 */
@Entity
@Table(name = "payments")
@Getter
@NoArgsConstructor(access = AccessLevel.PROTECTED)
class Payment {

  enum Status {
    CHARGED,
    DECLINED,
    REFUNDED
  }

  @Id private UUID id;

  /**
   * Null until the row is inserted: it tells Spring Data that an entity with an id assigned in its
   * constructor is new, so {@code save} inserts it at once instead of selecting it first.
   */
  @Version private Long version;

  private UUID orderId;
  private String customerId;
  private BigDecimal amount;

  @Enumerated(EnumType.STRING)
  private Status status;

  private String reason;
  private Instant createdAt;
  private Instant updatedAt;

  private Payment(
      UUID orderId, String customerId, BigDecimal amount, Status status, String reason) {
    this.id = TimeOrderedIds.next();
    this.orderId = orderId;
    this.customerId = customerId;
    this.amount = amount;
    this.status = status;
    this.reason = reason;
    this.createdAt = Instant.now();
    this.updatedAt = createdAt;
  }

  static Payment charged(UUID orderId, String customerId, BigDecimal amount) {
    return new Payment(orderId, customerId, amount, Status.CHARGED, null);
  }

  static Payment declined(UUID orderId, String customerId, BigDecimal amount, String reason) {
    return new Payment(orderId, customerId, amount, Status.DECLINED, reason);
  }

  void refunded(String why) {
    status = Status.REFUNDED;
    reason = why;
    updatedAt = Instant.now();
  }
}
