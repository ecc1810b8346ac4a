package dev.eventshop.inventory.stock;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface ReservationRepository extends JpaRepository<Reservation, Reservation.Key> {

  boolean existsByOrderId(UUID orderId);

  /** Units reserved so far, per SKU: rows of {@code [sku, sum]}. */
  @Query("select r.sku, sum(r.quantity) from Reservation r group by r.sku")
  List<Object[]> reservedPerSku();
}
