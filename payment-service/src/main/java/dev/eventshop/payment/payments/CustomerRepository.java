package dev.eventshop.payment.payments;

import jakarta.persistence.LockModeType;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

interface CustomerRepository extends JpaRepository<Customer, String> {

  /** The customer, locked until the transaction ends, so two charges never race on a balance. */
  @Lock(LockModeType.PESSIMISTIC_WRITE)
  @Query("select c from Customer c where c.id = ?1")
  Optional<Customer> findForUpdate(String id);
}
