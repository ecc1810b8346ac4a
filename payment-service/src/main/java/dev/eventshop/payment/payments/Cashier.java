package dev.eventshop.payment.payments;

import dev.eventshop.payment.events.InventoryRejected;
import dev.eventshop.payment.events.OrderPlaced;
import dev.eventshop.payment.events.PaymentFailed;
import dev.eventshop.payment.events.PaymentRefunded;
import dev.eventshop.payment.events.PaymentSuccessful;
import dev.eventshop.payment.events.Topics;
import dev.eventshop.support.outbox.Outbox;
import java.math.BigDecimal;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The payment side of the saga: charges an order's total when it is placed and gives it back when
 * the stock could not be reserved. Each method is one database transaction that changes the
 * balance, records the payment and puts the resulting event into the outbox, all or nothing.
 */
@Service
class Cashier {

  private static final Logger log = LoggerFactory.getLogger(Cashier.class);

  private final CustomerRepository customers;
  private final PaymentRepository payments;
  private final Outbox outbox;

  Cashier(CustomerRepository customers, PaymentRepository payments, Outbox outbox) {
    this.customers = customers;
    this.payments = payments;
    this.outbox = outbox;
  }

  /** Charges the order's total, or declines it: unknown customer or not enough balance. */
  @Transactional
  public void charge(OrderPlaced order) {
    if (payments.findByOrderId(order.orderId()).isPresent()) {
      log.info("order already charged or declined; nothing to do");
      return;
    }
    BigDecimal amount = order.total();
    Optional<Customer> account = customers.findForUpdate(order.customerId());
    String declined =
        account.isEmpty()
            ? "unknown customer: " + order.customerId()
            : account.get().canAfford(amount)
                ? null
                : "insufficient funds: balance %s, amount %s"
                    .formatted(account.get().getBalance(), amount);
    if (declined != null) {
      payments.save(Payment.declined(order.orderId(), order.customerId(), amount, declined));
      outbox.add(
          Topics.PAYMENTS, PaymentFailed.of(order.orderId(), order.customerId(), amount, declined));
      log.info("declined {} for {}: {}", amount, order.customerId(), declined);
      return;
    }
    Customer customer = account.get();
    customer.withdraw(amount);
    Payment payment = payments.save(Payment.charged(order.orderId(), customer.getId(), amount));
    outbox.add(
        Topics.PAYMENTS,
        PaymentSuccessful.of(
            order.orderId(), customer.getId(), amount, payment.getId(), order.items()));
    log.info("charged {} to {}, balance now {}", amount, customer.getId(), customer.getBalance());
  }

  /** Refunds the order's charge, if there is one that was not refunded yet. */
  @Transactional
  public void refund(InventoryRejected rejected) {
    Optional<Payment> charged =
        payments
            .findByOrderId(rejected.orderId())
            .filter(p -> p.getStatus() == Payment.Status.CHARGED);
    if (charged.isEmpty()) {
      log.warn("no charge to refund for this order; ignoring {}", rejected.eventType());
      return;
    }
    Payment payment = charged.get();
    Customer customer = customers.findForUpdate(payment.getCustomerId()).orElseThrow();
    customer.deposit(payment.getAmount());
    payment.refunded(rejected.reason());
    outbox.add(
        Topics.PAYMENTS,
        PaymentRefunded.of(
            rejected.orderId(),
            customer.getId(),
            payment.getAmount(),
            payment.getId(),
            rejected.reason()));
    log.info(
        "refunded {} to {}, balance now {}",
        payment.getAmount(),
        customer.getId(),
        customer.getBalance());
  }
}
