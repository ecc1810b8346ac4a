package dev.eventshop.notification.notifications;

import dev.eventshop.support.ids.TimeOrderedIds;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;
import lombok.AccessLevel;
import lombok.Getter;
import lombok.NoArgsConstructor;

/** A message to a customer about the outcome of an order. */
@Entity
@Table(name = "notifications")
@Getter
@NoArgsConstructor(access = AccessLevel.PROTECTED)
class Notification {

  enum Kind {
    ORDER_CONFIRMED,
    ORDER_CANCELLED
  }

  @Id private UUID id;

  /**
   * Null until the row is inserted: it tells Spring Data that an entity with an id assigned in its
   * constructor is new, so {@code save} inserts it at once instead of selecting it first.
   */
  @Version private Long version;

  private UUID orderId;
  private String customerId;

  @Enumerated(EnumType.STRING)
  private Kind kind;

  private String message;
  private Instant createdAt;

  Notification(UUID orderId, String customerId, Kind kind, String message) {
    this.id = TimeOrderedIds.next();
    this.orderId = orderId;
    this.customerId = customerId;
    this.kind = kind;
    this.message = message;
    this.createdAt = Instant.now();
  }

  static Notification confirmed(UUID orderId, String customerId) {
    return new Notification(
        orderId,
        customerId,
        Kind.ORDER_CONFIRMED,
        "Hello %s, your order %s is confirmed and on its way.".formatted(customerId, orderId));
  }

  static Notification cancelled(UUID orderId, String customerId, String reason) {
    return new Notification(
        orderId,
        customerId,
        Kind.ORDER_CANCELLED,
        "Hello %s, your order %s was cancelled: %s. Any charge has been refunded."
            .formatted(customerId, orderId, reason));
  }
}
