package dev.eventshop.notification.events;

/** The topics of the saga that notification-service reads; records are keyed by order id. */
public final class Topics {

  /** Order events: OrderPlaced, OrderConfirmed, OrderCancelled. */
  public static final String ORDERS = "orders";

  private Topics() {}
}
