package dev.eventshop.broker.metadata;

import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster's finalized feature levels (Kafka's KIP-584): per feature, the level the whole
 * cluster runs it at, changed with UpdateFeatures ({@code kafka-features.sh}) and told to clients
 * in ApiVersions. Immutable; part of the replicated {@link ClusterMetadata}.
 *
 * <p>{@code levels} holds the levels that were set, 0 included (a feature turned off). A {@link
 * SupportedFeature} that was never set runs at its default level, the one a new Kafka 4.1 cluster
 * gets ({@code transaction.version=2}, {@code group.version=1}). Metadata written before
 * mini-broker kept feature levels therefore reads as a new Kafka 4.1 cluster, not as level 0 as
 * Kafka reads a cluster upgraded from 3.x: Kafka keeps an old cluster on the old levels so that no
 * broker is asked for a level it does not run, but every node of a mini-broker cluster runs the
 * same version (see {@link MetadataCodec}), so there is no older node to protect.
 *
 * <p>{@code epoch} is at least 0 and grows by one at every change. Kafka sends its metadata offset
 * instead; clients only need it to grow, since they keep the levels of the highest epoch any broker
 * told them (so an epoch below 0 would be ignored, and the levels with it).
 */
public record FinalizedFeatures(Map<String, Short> levels, long epoch) {

  /** A cluster that never set a level: every feature at its default, epoch 0. */
  public static final FinalizedFeatures DEFAULT = new FinalizedFeatures(Map.of(), 0);

  public FinalizedFeatures {
    levels = Map.copyOf(levels);
  }

  /** The finalized level of {@code feature}: as set, else its default, else 0 (unknown). */
  public short level(String feature) {
    Short set = levels.get(feature);
    if (set != null) {
      return set;
    }
    return SupportedFeature.named(feature).map(SupportedFeature::defaultLevel).orElse((short) 0);
  }

  /** Every supported feature with its level, and any other that was set, in name order. */
  public Map<String, Short> all() {
    Map<String, Short> all = new TreeMap<>(levels);
    for (SupportedFeature f : SupportedFeature.values()) {
      all.putIfAbsent(f.featureName(), f.defaultLevel());
    }
    return all;
  }

  /** These levels with {@code changes} set, one epoch later; this if nothing changes. */
  FinalizedFeatures with(Map<String, Short> changes) {
    Map<String, Short> next = new TreeMap<>(levels);
    next.putAll(changes);
    return next.equals(new TreeMap<>(levels)) ? this : new FinalizedFeatures(next, epoch + 1);
  }
}
