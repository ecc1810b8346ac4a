package dev.eventshop.order.orders;

import dev.eventshop.order.events.OrderCancelled;
import dev.eventshop.order.events.OrderConfirmed;
import dev.eventshop.order.events.Topics;
import dev.eventshop.support.outbox.Outbox;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Follows each order through the saga as the other services report back, and announces the outcome:
 * OrderConfirmed or OrderCancelled, written to the outbox in the same transaction as the status
 * change. Events that do not move the order (late, repeated, or for an order in a final state)
 * change nothing.
 *
 * <p>The payments and the inventory listener run on two threads and may move the same order at the
 * same moment. The order's {@code @Version} makes the second commit fail instead of overwriting the
 * first. That transaction (inbox row included) is rolled back, and the inbox runs it again at once,
 * so the retry sees the other transition. A lock taken when reading ({@code select ... for update})
 * would make the second wait instead, but every event would pay for it, and H2 parses such a select
 * anew each time (it caches no locking queries).
 */
@Service
class OrderSaga {

  private static final Logger log = LoggerFactory.getLogger(OrderSaga.class);

  private final OrderRepository orders;
  private final Outbox outbox;

  OrderSaga(OrderRepository orders, Outbox outbox) {
    this.orders = orders;
    this.outbox = outbox;
  }

  /** PaymentSuccessful: the order is paid and waits for its stock. */
  @Transactional
  public void paid(UUID orderId) {
    find(orderId)
        .ifPresent(
            order -> {
              if (order.markPaid()) {
                log.info("order is PAID");
              }
            });
  }

  /** InventoryUpdated: the order is complete. */
  @Transactional
  public void stockReserved(UUID orderId) {
    find(orderId)
        .ifPresent(
            order -> {
              if (order.confirm()) {
                outbox.add(Topics.ORDERS, OrderConfirmed.of(orderId, order.getCustomerId()));
                log.info("order is CONFIRMED");
              } else {
                log.warn("stock reserved for an order that is {}", order.getStatus());
              }
            });
  }

  /** PaymentFailed or PaymentRefunded: the order is cancelled, and no money stays taken. */
  @Transactional
  public void cancelled(UUID orderId, String reason) {
    find(orderId)
        .ifPresent(
            order -> {
              if (order.cancel(reason)) {
                outbox.add(
                    Topics.ORDERS, OrderCancelled.of(orderId, order.getCustomerId(), reason));
                log.info("order is CANCELLED: {}", reason);
              }
            });
  }

  private Optional<Order> find(UUID orderId) {
    Optional<Order> order = orders.findById(orderId);
    if (order.isEmpty()) {
      log.warn("event for an order this service does not know; ignored");
    }
    return order;
  }
}
