package dev.eventshop.order.events;

/** The topics of the saga, one per event stream; records are keyed by order id. */
public final class Topics {

  /** Order events: OrderPlaced, OrderConfirmed, OrderCancelled. */
  public static final String ORDERS = "orders";

  /** Payment events: PaymentSuccessful, PaymentFailed, PaymentRefunded. */
  public static final String PAYMENTS = "payments";

  /** Inventory events: InventoryUpdated, InventoryRejected. */
  public static final String INVENTORY = "inventory";

  private Topics() {}
}
