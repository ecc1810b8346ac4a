package dev.eventshop.inventory.stock;

import jakarta.persistence.LockModeType;
import java.util.Collection;
import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

interface StockItemRepository extends JpaRepository<StockItem, String> {

  /**
   * The SKUs, locked until the transaction ends and always in SKU order, so two reservations never
   * race on a shelf nor deadlock on each other.
   */
  @Lock(LockModeType.PESSIMISTIC_WRITE)
  @Query("select s from StockItem s where s.sku in ?1 order by s.sku")
  List<StockItem> findAllForUpdate(Collection<String> skus);

  List<StockItem> findAllByOrderBySku();
}
