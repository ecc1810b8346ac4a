package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import java.util.Map;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * {@code auto.create.topics.enable}: creates a topic a client asked for by name, with the broker's
 * {@code num.partitions} and {@code default.replication.factor}.
 */
public final class TopicAutoCreation {

  private final MetadataStore store;
  private final boolean enabled;
  private final int partitions;
  private final short replicationFactor;

  public TopicAutoCreation(
      MetadataStore store, boolean enabled, int partitions, short replicationFactor) {
    this.store = store;
    this.enabled = enabled;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
  }

  public boolean enabled() {
    return enabled;
  }

  /** Creates {@code name} (or returns it if another request just created it). */
  public TopicInfo create(String name) {
    try {
      return store.createTopic(name, partitions, replicationFactor, Map.of(), false);
    } catch (TopicExistsException e) {
      return store.current().topic(name).orElseThrow(() -> e);
    }
  }
}
