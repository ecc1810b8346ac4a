package dev.eventshop.broker.group;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * The cluster's topics as the group coordinator needs them to assign partitions to consumer groups:
 * a topic's id and partition count by name. The broker answers from its current metadata.
 */
public interface TopicCatalog {

  /** A topic as an assignment depends on it. */
  record Topic(Uuid id, int partitions) {}

  /** No topics at all, for coordinators of tests that run no consumer group. */
  TopicCatalog NONE =
      new TopicCatalog() {
        @Override
        public Optional<Topic> topic(String name) {
          return Optional.empty();
        }

        @Override
        public Collection<String> names() {
          return List.of();
        }
      };

  Optional<Topic> topic(String name);

  /** The names of every topic that is not internal: what a regular expression may subscribe to. */
  Collection<String> names();
}
