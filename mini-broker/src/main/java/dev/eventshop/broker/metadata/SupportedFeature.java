package dev.eventshop.broker.metadata;

import java.util.Arrays;
import java.util.Optional;

/**
 * A feature of Kafka's feature versioning (KIP-584) that mini-broker implements, with the levels it
 * supports and the level a cluster runs when it never chose one. The cluster's chosen levels are
 * its {@link FinalizedFeatures}; ApiVersions advertises these ranges, and UpdateFeatures refuses a
 * level outside them.
 *
 * <p>Kafka 4.1 also has {@code metadata.version} and {@code kraft.version}, which version KRaft's
 * metadata records and its quorum protocol: mini-broker writes neither (its quorum is Apache Ratis,
 * decision 7), so it does not claim them; no Kafka client reads them (the producer reads {@code
 * transaction.version} only, and {@code kafka-features.sh describe} lists whatever is advertised).
 * The same holds for {@code eligible.leader.replicas.version}, {@code share.version} and {@code
 * streams.version}, whose protocols mini-broker does not serve.
 */
public enum SupportedFeature {
  /**
   * KIP-890's transaction protocol, in Kafka's numbering: 1 writes flexible transaction log
   * records, 2 bumps the producer epoch at every commit or abort and adds partitions to a
   * transaction through Produce. Kafka's producer uses version 2 when the cluster finalizes it.
   */
  TRANSACTION_VERSION("transaction.version", 0, 2, 2),
  /** 1 turns on the consumer group protocol (KIP-848: ConsumerGroupHeartbeat). */
  GROUP_VERSION("group.version", 0, 1, 1);

  private final String featureName;
  private final short minLevel;
  private final short maxLevel;
  private final short defaultLevel;

  SupportedFeature(String featureName, int minLevel, int maxLevel, int defaultLevel) {
    this.featureName = featureName;
    this.minLevel = (short) minLevel;
    this.maxLevel = (short) maxLevel;
    this.defaultLevel = (short) defaultLevel;
  }

  /** The feature's name in Kafka's protocol, e.g. {@code transaction.version}. */
  public String featureName() {
    return featureName;
  }

  public short minLevel() {
    return minLevel;
  }

  public short maxLevel() {
    return maxLevel;
  }

  /** The level of a cluster that never set one: what a new Kafka 4.1 cluster is formatted with. */
  public short defaultLevel() {
    return defaultLevel;
  }

  public boolean supports(short level) {
    return level >= minLevel && level <= maxLevel;
  }

  /** The feature of this name, if mini-broker implements it. */
  public static Optional<SupportedFeature> named(String featureName) {
    return Arrays.stream(values()).filter(f -> f.featureName.equals(featureName)).findFirst();
  }
}
