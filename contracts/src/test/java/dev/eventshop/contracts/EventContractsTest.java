package dev.eventshop.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class EventContractsTest {

  static final java.util.List<String> TYPES = EventContracts.EVENT_TYPES;

  @ParameterizedTest
  @FieldSource("TYPES")
  void everyExampleSatisfiesItsOwnContract(String type) {
    assertThat(EventContracts.violations(type, 1, EventContracts.example(type, 1))).isEmpty();
  }

  @ParameterizedTest
  @FieldSource("TYPES")
  void everyContractRequiresTheEnvelope(String type) {
    String withoutOrderId =
        EventContracts.example(type, 1).replaceFirst("\"orderId\"", "\"orderIdMissing\"");

    assertThat(EventContracts.violations(type, 1, withoutOrderId))
        .anyMatch(v -> v.contains("orderId"));
  }

  @Test
  void moneyIsAnExactDecimalString() {
    String floatTotal = EventContracts.example("OrderPlaced", 1).replace("\"39.90\"", "39.9");

    assertThat(EventContracts.violations("OrderPlaced", 1, floatTotal))
        .anyMatch(v -> v.contains("total"));
  }

  @Test
  void eventTypeMustMatchTheContract() {
    String mislabelled =
        EventContracts.example("PaymentFailed", 1)
            .replace("\"PaymentFailed\"", "\"PaymentSuccessful\"");

    assertThat(EventContracts.violations("PaymentFailed", 1, mislabelled)).isNotEmpty();
  }

  @Test
  void eachStreamHasItsTopic() {
    assertThat(EventContracts.topicOf("OrderPlaced", 1)).isEqualTo("orders");
    assertThat(EventContracts.topicOf("PaymentRefunded", 1)).isEqualTo("payments");
    assertThat(EventContracts.topicOf("InventoryRejected", 1)).isEqualTo("inventory");
  }

  @Test
  void unknownContractIsAClearError() {
    assertThatThrownBy(() -> EventContracts.violations("OrderShipped", 1, "{}"))
        .hasMessageContaining("OrderShipped");
  }
}
