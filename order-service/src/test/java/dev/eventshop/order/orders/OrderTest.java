package dev.eventshop.order.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrderTest {

  private final Order order =
      new Order(
          "alice",
          List.of(
              new OrderLine("BOOK-KAFKA", 2, new BigDecimal("39.90")),
              new OrderLine("MUG-KAFKA", 1, new BigDecimal("12.50"))),
          null);

  @Test
  void startsPendingWithTheTotalOfItsLines() {
    assertThat(order.getStatus()).isEqualTo(OrderStatus.PENDING);
    assertThat(order.getTotal()).isEqualByComparingTo("92.30");
    assertThat(order.getTotal().scale()).isEqualTo(2);
  }

  @Test
  void happyPathIsPaidThenConfirmed() {
    assertThat(order.markPaid()).isTrue();
    assertThat(order.confirm()).isTrue();
    assertThat(order.getStatus()).isEqualTo(OrderStatus.CONFIRMED);
    assertThat(order.getReason()).isNull();
  }

  @Test
  void stockReservedBeforeThePaymentEventIsReadStillConfirms() {
    assertThat(order.confirm()).isTrue();
    assertThat(order.markPaid()).as("a late PaymentSuccessful changes nothing").isFalse();
    assertThat(order.getStatus()).isEqualTo(OrderStatus.CONFIRMED);
  }

  @Test
  void declinedPaymentCancelsWithTheReason() {
    assertThat(order.cancel("insufficient funds")).isTrue();
    assertThat(order.getStatus()).isEqualTo(OrderStatus.CANCELLED);
    assertThat(order.getReason()).isEqualTo("insufficient funds");
  }

  @Test
  void finalStatesAreFinal() {
    order.cancel("insufficient funds");

    assertThat(order.markPaid()).isFalse();
    assertThat(order.confirm()).isFalse();
    assertThat(order.cancel("again")).isFalse();
    assertThat(order.getReason()).isEqualTo("insufficient funds");
  }
}
