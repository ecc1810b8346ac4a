package dev.eventshop.inventory.stock;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** What is on the shelves, and how much of it confirmed orders have taken. */
@RestController
class StockController {

  record StockView(String sku, String name, int available, long reserved) {}

  private final StockItemRepository stock;
  private final ReservationRepository reservations;

  StockController(StockItemRepository stock, ReservationRepository reservations) {
    this.stock = stock;
    this.reservations = reservations;
  }

  @GetMapping("/stock")
  @Transactional(readOnly = true)
  List<StockView> all() {
    Map<String, Long> reserved =
        reservations.reservedPerSku().stream()
            .collect(
                Collectors.toMap(row -> (String) row[0], row -> ((Number) row[1]).longValue()));
    return stock.findAllByOrderBySku().stream()
        .map(
            s ->
                new StockView(
                    s.getSku(),
                    s.getName(),
                    s.getAvailable(),
                    reserved.getOrDefault(s.getSku(), 0L)))
        .toList();
  }
}
