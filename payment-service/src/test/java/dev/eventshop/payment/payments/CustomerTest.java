package dev.eventshop.payment.payments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class CustomerTest {

  @Test
  void withdrawsWhatTheBalanceCovers() {
    Customer alice = new Customer("alice", "Alice", new BigDecimal("50.00"));

    alice.withdraw(new BigDecimal("50.00"));

    assertThat(alice.getBalance()).isEqualByComparingTo("0.00");
  }

  @Test
  void neverOverdraws() {
    Customer bob = new Customer("bob", "Bob", new BigDecimal("0.00"));

    assertThat(bob.canAfford(new BigDecimal("2.50"))).isFalse();
    assertThatThrownBy(() -> bob.withdraw(new BigDecimal("2.50")))
        .isInstanceOf(IllegalStateException.class);
    assertThat(bob.getBalance()).isEqualByComparingTo("0.00");
  }
}
