package dev.eventshop.broker.group;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The states of a classic group, with Kafka's names (as DescribeGroups and ListGroups show them).
 *
 * <pre>
 *   Empty --join--> PreparingRebalance --all joined / rebalance timeout--> CompletingRebalance
 *     ^                  ^      |                                              |
 *     |                  |      +--no member left--> Empty                     | leader's SyncGroup
 *     |                  +---- join, leave, expiry, new protocol -------- Stable <+
 *   (any) --group deleted, offsets expired, coordinator moved--> Dead
 * </pre>
 */
enum GroupState {
  EMPTY("Empty"),
  PREPARING_REBALANCE("PreparingRebalance"),
  COMPLETING_REBALANCE("CompletingRebalance"),
  STABLE("Stable"),
  DEAD("Dead");

  private final String kafkaName;

  GroupState(String kafkaName) {
    this.kafkaName = kafkaName;
  }

  /** The name on the wire. */
  String kafkaName() {
    return kafkaName;
  }

  /** The states a group may move to this state from. */
  Set<GroupState> validPrevious() {
    return switch (this) {
      case EMPTY -> Set.of(PREPARING_REBALANCE);
      case PREPARING_REBALANCE -> Set.of(STABLE, COMPLETING_REBALANCE, EMPTY);
      case COMPLETING_REBALANCE -> Set.of(PREPARING_REBALANCE);
      case STABLE -> Set.of(COMPLETING_REBALANCE);
      case DEAD -> Set.of(STABLE, PREPARING_REBALANCE, COMPLETING_REBALANCE, EMPTY, DEAD);
    };
  }

  /** A state by its wire name, ignoring case, as ListGroups' states filter compares them. */
  static Optional<GroupState> parse(String name) {
    for (GroupState s : values()) {
      if (s.kafkaName.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
