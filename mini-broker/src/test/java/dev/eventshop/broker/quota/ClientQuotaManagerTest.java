package dev.eventshop.broker.quota;

import static dev.eventshop.broker.metadata.ClientQuotas.CLIENT_ID;
import static dev.eventshop.broker.metadata.ClientQuotas.PRODUCER_BYTE_RATE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClientQuotas;
import dev.eventshop.broker.metadata.ClientQuotas.Entity;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientQuotaManagerTest {

  ClientQuotas quotas =
      ClientQuotas.NONE.alter(Entity.of(CLIENT_ID, "slow"), Map.of(PRODUCER_BYTE_RATE, 1000.0));
  final ClientQuotaManager manager = new ClientQuotaManager(PRODUCER_BYTE_RATE, () -> quotas);

  @Test
  void aClientWithoutQuotaIsNeverThrottled() {
    assertThat(manager.recordAndGetThrottleTimeMs("fast", 1_000_000_000L, 0)).isZero();
    assertThat(manager.maxBytesPerAnswer("fast")).isEqualTo(Long.MAX_VALUE);
  }

  /**
   * The rate counts over at least ten seconds, so a first burst of up to ten seconds' worth passes;
   * beyond it the throttle is the time that brings the rate back: (rate - quota) / quota × window.
   */
  @Test
  void overTheQuotaTheThrottleBringsTheRateBackToIt() {
    long now = 1_000_000;
    assertThat(manager.recordAndGetThrottleTimeMs("slow", 10_000, now)).isZero();
    // 20,000 bytes over a window of 10 s: 2,000 B/s, twice the quota: wait one more window.
    assertThat(manager.recordAndGetThrottleTimeMs("slow", 10_000, now)).isEqualTo(10_000);
    assertThat(manager.maxBytesPerAnswer("slow")).isEqualTo(10_000);
  }

  @Test
  void theRateFallsAsTimePassesAndTheOldestSamplesLeaveTheWindow() {
    long now = 1_000_000;
    manager.recordAndGetThrottleTimeMs("slow", 20_000, now);
    // 5 s later: still 20,000 bytes over 10 s.
    assertThat(manager.recordAndGetThrottleTimeMs("slow", 0, now + 5_000)).isEqualTo(10_000);
    // 12 s later the burst has left the 11 samples of the window.
    assertThat(manager.recordAndGetThrottleTimeMs("slow", 1_000, now + 12_000)).isZero();
  }

  @Test
  void bytesTakenBackOverTheQuotaDoNotCount() {
    long now = 1_000_000;
    assertThat(manager.recordOrTakeBack("slow", 30_000, now)).as("over: throttled").isPositive();
    assertThat(manager.recordAndGetThrottleTimeMs("slow", 5_000, now))
        .as("the 30,000 bytes were taken back")
        .isZero();
  }

  @Test
  void aQuotaOfZeroOrLessIsNeverEnforced() {
    quotas = quotas.alter(Entity.of(CLIENT_ID, "zero"), Map.of(PRODUCER_BYTE_RATE, 0.0));
    assertThat(manager.recordAndGetThrottleTimeMs("zero", 1_000_000, 0)).isZero();
    assertThat(manager.maxBytesPerAnswer("zero")).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aChangedQuotaAppliesAtOnce() {
    long now = 1_000_000;
    assertThat(manager.recordAndGetThrottleTimeMs("slow", 15_000, now)).isPositive();
    quotas = quotas.alter(Entity.of(CLIENT_ID, "slow"), Map.of(PRODUCER_BYTE_RATE, 1_000_000.0));
    assertThat(manager.recordAndGetThrottleTimeMs("slow", 15_000, now)).isZero();
  }

  @Test
  void aQuotaSetOrRemovedAfterAClientWasSeenAppliesAtOnce() {
    long now = 1_000_000;
    assertThat(manager.recordAndGetThrottleTimeMs("new", 30_000, now)).as("no quota").isZero();
    assertThat(manager.maxBytesPerAnswer("new")).isEqualTo(Long.MAX_VALUE);

    quotas = quotas.alter(Entity.of(CLIENT_ID, "new"), Map.of(PRODUCER_BYTE_RATE, 1000.0));
    assertThat(manager.maxBytesPerAnswer("new")).isEqualTo(10_000);
    assertThat(manager.recordAndGetThrottleTimeMs("new", 30_000, now)).isPositive();

    quotas =
        quotas.alter(
            Entity.of(CLIENT_ID, "new"), Collections.singletonMap(PRODUCER_BYTE_RATE, null));
    assertThat(manager.maxBytesPerAnswer("new")).isEqualTo(Long.MAX_VALUE);
    assertThat(manager.recordAndGetThrottleTimeMs("new", 30_000, now)).isZero();

    quotas = quotas.alter(Entity.of(CLIENT_ID, null), Map.of(PRODUCER_BYTE_RATE, 2000.0));
    assertThat(manager.maxBytesPerAnswer("new")).as("the default client's").isEqualTo(20_000);
    assertThat(manager.maxBytesPerAnswer("slow")).as("its own still first").isEqualTo(10_000);
  }

  @Test
  void clientIdsChosenByClientsDoNotGrowTheResolvedQuotasWithoutBound() {
    for (int i = 0; i < 3 * ClientQuotaManager.MAX_RESOLVED_CLIENTS; i++) {
      manager.maxBytesPerAnswer("client-" + i);
    }
    assertThat(manager.resolvedClients())
        .isLessThanOrEqualTo(ClientQuotaManager.MAX_RESOLVED_CLIENTS);
    assertThat(manager.maxBytesPerAnswer("slow")).isEqualTo(10_000);
  }

  @Test
  void withoutAnyQuotaNothingIsResolved() {
    quotas = ClientQuotas.NONE;
    assertThat(manager.maxBytesPerAnswer("slow")).isEqualTo(Long.MAX_VALUE);
    assertThat(manager.resolvedClients()).isZero();
  }
}
