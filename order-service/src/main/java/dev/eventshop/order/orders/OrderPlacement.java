package dev.eventshop.order.orders;

import dev.eventshop.order.catalog.PriceList;
import dev.eventshop.order.events.Item;
import dev.eventshop.order.events.OrderPlaced;
import dev.eventshop.order.events.Topics;
import dev.eventshop.support.outbox.Outbox;
import dev.eventshop.support.tracing.LogContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Places orders: prices the lines, stores the order as PENDING and puts OrderPlaced into the
 * outbox, in one database transaction. The saga starts when the relay publishes the event.
 */
@Service
class OrderPlacement {

  private static final Logger log = LoggerFactory.getLogger(OrderPlacement.class);

  private final OrderRepository orders;
  private final PriceList prices;
  private final Outbox outbox;

  OrderPlacement(OrderRepository orders, PriceList prices, Outbox outbox) {
    this.orders = orders;
    this.prices = prices;
    this.outbox = outbox;
  }

  /** The order placed earlier with this idempotency key, if any. */
  @Transactional(readOnly = true)
  public Optional<Order> placedWith(String idempotencyKey) {
    return idempotencyKey == null ? Optional.empty() : orders.findByIdempotencyKey(idempotencyKey);
  }

  /**
   * Places a new order.
   *
   * @throws InvalidRequestException naming each line whose SKU is not on the price list
   */
  @Transactional
  public Order place(PlaceOrderRequest request, String idempotencyKey) {
    List<OrderLine> lines = new ArrayList<>();
    List<InvalidRequestException.FieldError> unknown = new ArrayList<>();
    for (int i = 0; i < request.items().size(); i++) {
      PlaceOrderRequest.Line line = request.items().get(i);
      Optional<BigDecimal> price = prices.priceOf(line.sku());
      if (price.isEmpty()) {
        unknown.add(
            new InvalidRequestException.FieldError(
                "items[%d].sku".formatted(i), "unknown SKU: " + line.sku()));
      } else {
        lines.add(new OrderLine(line.sku(), line.quantity(), price.get()));
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidRequestException(unknown);
    }
    // Flushed now, so a concurrent request with the same idempotency key fails here, not at commit.
    Order order = orders.saveAndFlush(new Order(request.customerId(), lines, idempotencyKey));
    LogContext.setOrderId(order.getId().toString());
    outbox.add(
        Topics.ORDERS,
        OrderPlaced.of(
            order.getId(),
            order.getCustomerId(),
            lines.stream().map(l -> new Item(l.sku(), l.quantity())).toList(),
            order.getTotal()));
    log.info("placed order for {}: total {}", order.getCustomerId(), order.getTotal());
    return order;
  }
}
