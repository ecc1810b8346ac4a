package dev.eventshop.inventory.stock;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;
import lombok.AccessLevel;
import lombok.Getter;
import lombok.NoArgsConstructor;

/** What one order took of one SKU. */
@Entity
@Table(name = "reservations")
@IdClass(Reservation.Key.class)
@Getter
@NoArgsConstructor(access = AccessLevel.PROTECTED)
class Reservation {

  record Key(UUID orderId, String sku) implements Serializable {}

  @Id private UUID orderId;
  @Id private String sku;

  /**
   * Null until the row is inserted: it tells Spring Data that an entity with an id assigned in its
   * constructor is new, so {@code save} inserts it at once instead of selecting it first.
   */
  @Version private Long version;

  private int quantity;
  private Instant createdAt;

  Reservation(UUID orderId, String sku, int quantity) {
    this.orderId = orderId;
    this.sku = sku;
    this.quantity = quantity;
    this.createdAt = Instant.now();
  }
}
