package dev.eventshop.order.catalog;

import java.math.BigDecimal;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The prices order-service charges, from its own {@code products} table (seeded by the Flyway
 * migration). Pricing happens once, when the order is placed: the total travels in OrderPlaced, so
 * later price changes never alter an order in flight.
 */
@Component
public class PriceList {

  private final ProductRepository products;

  PriceList(ProductRepository products) {
    this.products = products;
  }

  /** The unit price of a SKU, or empty if the shop does not sell it. */
  public Optional<BigDecimal> priceOf(String sku) {
    return products.findById(sku).map(Product::getPrice);
  }
}
