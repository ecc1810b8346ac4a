package dev.eventshop.inventory.stock;

import dev.eventshop.inventory.events.InventoryRejected;
import dev.eventshop.inventory.events.InventoryUpdated;
import dev.eventshop.inventory.events.PaymentSuccessful;
import dev.eventshop.inventory.events.Topics;
import dev.eventshop.support.outbox.Outbox;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The inventory side of the saga: reserves all items of a paid order, or none. One database
 * transaction locks the order's SKUs, checks them, takes the stock, records the reservation and
 * puts InventoryUpdated (or InventoryRejected) into the outbox.
 */
@Service
class Storekeeper {

  private static final Logger log = LoggerFactory.getLogger(Storekeeper.class);

  private final StockItemRepository stock;
  private final ReservationRepository reservations;
  private final Outbox outbox;

  Storekeeper(StockItemRepository stock, ReservationRepository reservations, Outbox outbox) {
    this.stock = stock;
    this.reservations = reservations;
    this.outbox = outbox;
  }

  @Transactional
  public void reserve(PaymentSuccessful paid) {
    if (reservations.existsByOrderId(paid.orderId())) {
      log.info("stock already reserved for this order; nothing to do");
      return;
    }
    SortedMap<String, Integer> wanted = StockCheck.wanted(paid.items());
    Map<String, StockItem> shelves =
        stock.findAllForUpdate(wanted.keySet()).stream()
            .collect(Collectors.toMap(StockItem::getSku, Function.identity()));
    List<String> shortages =
        StockCheck.shortages(
            wanted,
            shelves.values().stream()
                .collect(Collectors.toMap(StockItem::getSku, StockItem::getAvailable)));
    if (!shortages.isEmpty()) {
      String reason = String.join("; ", shortages);
      outbox.add(Topics.INVENTORY, InventoryRejected.of(paid.orderId(), paid.items(), reason));
      log.info("rejected: {}", reason);
      return;
    }
    wanted.forEach(
        (sku, quantity) -> {
          shelves.get(sku).take(quantity);
          reservations.save(new Reservation(paid.orderId(), sku, quantity));
        });
    outbox.add(Topics.INVENTORY, InventoryUpdated.of(paid.orderId(), paid.items()));
    log.info("reserved {}", wanted);
  }
}
