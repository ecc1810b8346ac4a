package dev.eventshop.order.orders;

import jakarta.persistence.Embeddable;
import java.math.BigDecimal;

/** One line of an order, priced when the order was placed. */
@Embeddable
record OrderLine(String sku, int quantity, BigDecimal unitPrice) {

  BigDecimal amount() {
    return unitPrice.multiply(BigDecimal.valueOf(quantity));
  }
}
