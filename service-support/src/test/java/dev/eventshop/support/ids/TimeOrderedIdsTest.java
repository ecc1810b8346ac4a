package dev.eventshop.support.ids;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TimeOrderedIdsTest {

  @Test
  void isAVersion7UuidCarryingItsMillisecond() {
    long millis = 1_764_979_200_123L;
    UUID id = TimeOrderedIds.at(millis);

    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(millis);
    assertThat(id.toString()).startsWith("019af0f5-507b-7");
  }

  @Test
  void laterMillisecondsSortAfterEarlierOnes() {
    UUID earlier = TimeOrderedIds.at(1_764_979_200_123L);
    UUID later = TimeOrderedIds.at(1_764_979_200_124L);

    // The comparison H2 makes for uuid columns (unsigned, high bits first), and text order.
    assertThat(
            Long.compareUnsigned(earlier.getMostSignificantBits(), later.getMostSignificantBits()))
        .isNegative();
    assertThat(earlier.toString()).isLessThan(later.toString());
  }

  @Test
  void idsOfTheSameMillisecondDiffer() {
    Set<UUID> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(TimeOrderedIds.at(1_764_979_200_123L));
    }
    assertThat(ids).hasSize(10_000);
  }

  @Test
  void nextUsesTheClock() {
    long before = System.currentTimeMillis();
    UUID id = TimeOrderedIds.next();
    long after = System.currentTimeMillis();

    assertThat(id.getMostSignificantBits() >>> 16).isBetween(before, after);
  }
}
