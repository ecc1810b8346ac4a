package dev.eventshop.order.orders;

import jakarta.persistence.LockModeType;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.JpaSpecificationExecutor;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

interface OrderRepository extends JpaRepository<Order, UUID>, JpaSpecificationExecutor<Order> {

  Optional<Order> findByIdempotencyKey(String idempotencyKey);

  /**
   * The order, locked until the transaction ends. The payments and the inventory listener run on
   * two threads and may move the same order at the same moment; the lock makes one wait for the
   * other, so neither transition is lost.
   */
  @Lock(LockModeType.PESSIMISTIC_WRITE)
  @Query("select o from ShopOrder o where o.id = ?1")
  Optional<Order> findForUpdate(UUID id);
}
