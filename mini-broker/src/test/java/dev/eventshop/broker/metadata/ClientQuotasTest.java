package dev.eventshop.broker.metadata;

import static dev.eventshop.broker.metadata.ClientQuotas.CLIENT_ID;
import static dev.eventshop.broker.metadata.ClientQuotas.IP;
import static dev.eventshop.broker.metadata.ClientQuotas.PRODUCER_BYTE_RATE;
import static dev.eventshop.broker.metadata.ClientQuotas.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.broker.metadata.ClientQuotas.Applied;
import dev.eventshop.broker.metadata.ClientQuotas.Entity;
import dev.eventshop.broker.metadata.ClientQuotas.FilterComponent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.requests.ApiError;
import org.junit.jupiter.api.Test;

class ClientQuotasTest {

  static Map<String, Double> set(String key, Double value) {
    Map<String, Double> ops = new HashMap<>();
    ops.put(key, value);
    return ops;
  }

  static String whyNot(Entity entity, String key, Double value) {
    ApiError error = ClientQuotas.whyNot(entity, set(key, value));
    return error.isSuccess() ? "NONE" : error.error() + ": " + error.message();
  }

  @Test
  void entitiesAndKeysAreCheckedWithKafkasRulesAndWords() {
    assertThat(whyNot(Entity.of(), PRODUCER_BYTE_RATE, 1.0))
        .isEqualTo("INVALID_REQUEST: Invalid empty client quota entity");
    assertThat(whyNot(Entity.of("group", "g"), PRODUCER_BYTE_RATE, 1.0))
        .isEqualTo("INVALID_REQUEST: Unhandled client quota entity type: group");
    assertThat(whyNot(Entity.of(USER, ""), PRODUCER_BYTE_RATE, 1.0))
        .isEqualTo("INVALID_REQUEST: Empty user not supported");
    assertThat(whyNot(Entity.of(IP, "127.0.0.1", USER, "u"), PRODUCER_BYTE_RATE, 1.0))
        .startsWith("INVALID_REQUEST: Invalid quota entity combination");
    assertThat(whyNot(Entity.of(CLIENT_ID, "c"), "producer_byte_rat", 1.0))
        .isEqualTo("INVALID_REQUEST: Invalid configuration key producer_byte_rat");
    assertThat(whyNot(Entity.of(CLIENT_ID, "c"), PRODUCER_BYTE_RATE, 0.0))
        .isEqualTo("INVALID_REQUEST: Quota producer_byte_rate must be greater than 0");
    assertThat(whyNot(Entity.of(CLIENT_ID, "c"), PRODUCER_BYTE_RATE, -0.0))
        .isEqualTo("INVALID_REQUEST: Quota producer_byte_rate must be greater than 0");
    assertThat(whyNot(Entity.of(CLIENT_ID, "c"), PRODUCER_BYTE_RATE, 1e20))
        .isEqualTo(
            "INVALID_REQUEST: Proposed value for producer_byte_rate is too large for a LONG.");
    assertThat(whyNot(Entity.of(CLIENT_ID, "c"), PRODUCER_BYTE_RATE, 1.5))
        .isEqualTo("INVALID_REQUEST: producer_byte_rate cannot be a fractional value.");
    assertThat(whyNot(Entity.of(USER, "u", CLIENT_ID, null), PRODUCER_BYTE_RATE, 1024.0))
        .isEqualTo("NONE");
    assertThat(whyNot(Entity.of(CLIENT_ID, "c"), PRODUCER_BYTE_RATE, null))
        .as("removing is always fine")
        .isEqualTo("NONE");
  }

  @Test
  void kafkasKeysThatMiniBrokerDoesNotEnforceAreRefusedSayingSo() {
    assertThat(whyNot(Entity.of(CLIENT_ID, "c"), "request_percentage", 50.0))
        .isEqualTo(
            "INVALID_REQUEST: mini-broker enforces only producer_byte_rate and"
                + " consumer_byte_rate, not request_percentage");
    assertThat(whyNot(Entity.of(IP, "127.0.0.1"), "connection_creation_rate", 10.0))
        .endsWith("not connection_creation_rate");
  }

  @Test
  void alteringSetsAndRemovesKeysAndForgetsAnEmptyEntity() {
    Entity client = Entity.of(CLIENT_ID, "c");
    ClientQuotas quotas =
        ClientQuotas.NONE.alter(
            client, Map.of(PRODUCER_BYTE_RATE, 100.0, "consumer_byte_rate", 5.0));
    assertThat(quotas.byEntity().get(client))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(PRODUCER_BYTE_RATE, 100.0, "consumer_byte_rate", 5.0));
    quotas = quotas.alter(client, set(PRODUCER_BYTE_RATE, null));
    assertThat(quotas.byEntity().get(client)).containsOnlyKeys("consumer_byte_rate");
    quotas = quotas.alter(client, set("consumer_byte_rate", null));
    assertThat(quotas.byEntity()).isEmpty();
  }

  /** Kafka's precedence: the most specific entity with the key wins; defaults apply to each. */
  @Test
  void theMostSpecificQuotaAppliesAndSaysWhoSharesIt() {
    ClientQuotas quotas =
        ClientQuotas.NONE
            .alter(Entity.of(CLIENT_ID, null), Map.of(PRODUCER_BYTE_RATE, 1.0))
            .alter(Entity.of(CLIENT_ID, "app"), Map.of(PRODUCER_BYTE_RATE, 2.0))
            .alter(Entity.of(USER, null), Map.of(PRODUCER_BYTE_RATE, 3.0))
            .alter(Entity.of(USER, "ANONYMOUS", CLIENT_ID, "app"), Map.of(PRODUCER_BYTE_RATE, 4.0));
    assertThat(quotas.quota(PRODUCER_BYTE_RATE, "ANONYMOUS", "app"))
        .contains(new Applied(4.0, "ANONYMOUS", "app"));
    assertThat(quotas.quota(PRODUCER_BYTE_RATE, "ANONYMOUS", "other"))
        .as("the default user's, shared by all clients of the user")
        .contains(new Applied(3.0, "ANONYMOUS", ""));
    ClientQuotas clientsOnly =
        ClientQuotas.NONE
            .alter(Entity.of(CLIENT_ID, null), Map.of(PRODUCER_BYTE_RATE, 1.0))
            .alter(Entity.of(CLIENT_ID, "app"), Map.of(PRODUCER_BYTE_RATE, 2.0));
    assertThat(clientsOnly.quota(PRODUCER_BYTE_RATE, "ANONYMOUS", "app"))
        .contains(new Applied(2.0, "", "app"));
    assertThat(clientsOnly.quota(PRODUCER_BYTE_RATE, "ANONYMOUS", "other"))
        .as("the default client's, for each client on its own")
        .contains(new Applied(1.0, "", "other"));
    assertThat(clientsOnly.quota("consumer_byte_rate", "ANONYMOUS", "app")).isEmpty();
  }

  @Test
  void describeMatchesExactlyByDefaultOrAnyNameAndStrictly() {
    ClientQuotas quotas =
        ClientQuotas.NONE
            .alter(Entity.of(CLIENT_ID, "app"), Map.of(PRODUCER_BYTE_RATE, 2.0))
            .alter(Entity.of(CLIENT_ID, null), Map.of(PRODUCER_BYTE_RATE, 1.0))
            .alter(Entity.of(USER, "u", CLIENT_ID, "app"), Map.of(PRODUCER_BYTE_RATE, 4.0));
    assertThat(
            quotas
                .describe(
                    List.of(new FilterComponent(CLIENT_ID, FilterComponent.EXACT, "app")), false)
                .keySet())
        .containsExactlyInAnyOrder(
            Entity.of(CLIENT_ID, "app"), Entity.of(USER, "u", CLIENT_ID, "app"));
    assertThat(
            quotas
                .describe(
                    List.of(new FilterComponent(CLIENT_ID, FilterComponent.EXACT, "app")), true)
                .keySet())
        .containsExactly(Entity.of(CLIENT_ID, "app"));
    assertThat(
            quotas
                .describe(
                    List.of(new FilterComponent(CLIENT_ID, FilterComponent.DEFAULT, null)), true)
                .keySet())
        .containsExactly(Entity.of(CLIENT_ID, null));
    assertThat(
            quotas
                .describe(
                    List.of(new FilterComponent(USER, FilterComponent.SPECIFIED, null)), false)
                .keySet())
        .containsExactly(Entity.of(USER, "u", CLIENT_ID, "app"));
    assertThat(quotas.describe(List.of(), false)).hasSize(3);
    assertThatThrownBy(
            () ->
                quotas.describe(
                    List.of(
                        new FilterComponent(USER, FilterComponent.SPECIFIED, null),
                        new FilterComponent(USER, FilterComponent.DEFAULT, null)),
                    false))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessage("Entity type user cannot appear more than once in the filter.");
    assertThatThrownBy(
            () -> quotas.describe(List.of(new FilterComponent("group", (byte) 2, null)), false))
        .isInstanceOf(UnsupportedVersionException.class)
        .hasMessage("Unsupported entity type group");
  }
}
