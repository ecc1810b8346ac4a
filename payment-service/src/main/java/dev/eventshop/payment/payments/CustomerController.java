package dev.eventshop.payment.payments;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Read-only views of the accounts: balances and what was charged or refunded. Money is an exact
 * decimal string ("39.90"), as in the events.
 */
@RestController
class CustomerController {

  record PaymentView(
      UUID id,
      UUID orderId,
      @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal amount,
      String status,
      String reason,
      Instant createdAt,
      Instant updatedAt) {}

  record CustomerView(
      String id,
      String name,
      @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal balance,
      List<PaymentView> payments) {}

  record CustomerSummary(
      String id, String name, @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal balance) {}

  private final CustomerRepository customers;
  private final PaymentRepository payments;

  CustomerController(CustomerRepository customers, PaymentRepository payments) {
    this.customers = customers;
    this.payments = payments;
  }

  @GetMapping("/customers")
  @Transactional(readOnly = true)
  List<CustomerSummary> all() {
    return customers.findAll().stream()
        .map(c -> new CustomerSummary(c.getId(), c.getName(), c.getBalance()))
        .toList();
  }

  @GetMapping("/customers/{id}")
  @Transactional(readOnly = true)
  CustomerView one(@PathVariable String id) {
    Customer customer =
        customers
            .findById(id)
            .orElseThrow(
                () -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no customer " + id));
    return new CustomerView(
        customer.getId(),
        customer.getName(),
        customer.getBalance(),
        payments.findByCustomerIdOrderByCreatedAt(id).stream()
            .map(
                p ->
                    new PaymentView(
                        p.getId(),
                        p.getOrderId(),
                        p.getAmount(),
                        p.getStatus().name(),
                        p.getReason(),
                        p.getCreatedAt(),
                        p.getUpdatedAt()))
            .toList());
  }
}
