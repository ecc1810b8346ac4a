package dev.eventshop.payment.payments;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import lombok.AccessLevel;
import lombok.Getter;
import lombok.NoArgsConstructor;

/** A customer's account. Invariant: the balance is never negative (also a database check). */
@Entity
@Table(name = "customers")
@Getter
@NoArgsConstructor(access = AccessLevel.PROTECTED)
class Customer {

  @Id private String id;
  private String name;
  private BigDecimal balance;

  Customer(String id, String name, BigDecimal balance) {
    this.id = id;
    this.name = name;
    this.balance = balance;
  }

  boolean canAfford(BigDecimal amount) {
    return balance.compareTo(amount) >= 0;
  }

  void withdraw(BigDecimal amount) {
    if (!canAfford(amount)) {
      throw new IllegalStateException("balance " + balance + " cannot cover " + amount);
    }
    balance = balance.subtract(amount);
  }

  void deposit(BigDecimal amount) {
    balance = balance.add(amount);
  }
}
