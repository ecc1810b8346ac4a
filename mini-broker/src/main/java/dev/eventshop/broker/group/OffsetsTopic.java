package dev.eventshop.broker.group;

/**
 * The internal compacted topic {@code __consumer_offsets}, where the group coordinator keeps group
 * metadata and committed offsets (see {@link dev.eventshop.broker.coordinator.CoordinatorTopic}).
 */
public final class OffsetsTopic {

  public static final String NAME = "__consumer_offsets";

  private OffsetsTopic() {}
}
