package dev.eventshop.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class ReplicationThrottlesTest {

  static final TopicPartition TP = new TopicPartition("moving", 0);

  ClusterMetadata metadata =
      new ClusterMetadata(
              "cid",
              1,
              Map.of(),
              Map.of(
                  "moving",
                  new TopicInfo(
                      "moving",
                      Uuid.randomUuid(),
                      List.of(new PartitionInfo(0, List.of(1, 2), 1, 0, List.of(1))),
                      Map.of(
                          ReplicationThrottles.LEADER_REPLICAS, "0:1,1:3",
                          ReplicationThrottles.FOLLOWER_REPLICAS, "*"))))
          .withBrokerConfigs(
              Map.of(
                  "1", Map.of(ReplicationThrottles.LEADER_RATE, "1000"),
                  "", Map.of(ReplicationThrottles.FOLLOWER_RATE, "5000")));

  @Test
  void onlyReplicasListedForThisBrokerAndOutOfSyncAreThrottled() {
    ReplicationThrottles onBroker1 = new ReplicationThrottles(1, () -> metadata);
    ReplicationThrottles onBroker2 = new ReplicationThrottles(2, () -> metadata);
    assertThat(onBroker1.leader().isThrottled(TP, false)).isTrue();
    assertThat(onBroker1.leader().isThrottled(TP, true)).as("in sync: never").isFalse();
    assertThat(onBroker2.leader().isThrottled(TP, false)).as("0:2 is not listed").isFalse();
    assertThat(onBroker2.follower().isThrottled(TP, false)).as("*").isTrue();
    assertThat(onBroker1.leader().isThrottled(new TopicPartition("other", 0), false)).isFalse();
  }

  @Test
  void aSideIsOverItsRateOnceItsBytesExceedTheLimitOverTheWindow() {
    ReplicationThrottles onBroker1 = new ReplicationThrottles(1, () -> metadata);
    long now = 1_000_000;
    assertThat(onBroker1.leader().isExceeded(now)).isFalse();
    onBroker1.leader().record(10_000, now); // 1,000 B/s over the 10 s minimum window: at the limit
    assertThat(onBroker1.leader().isExceeded(now)).isFalse();
    onBroker1.leader().record(1, now);
    assertThat(onBroker1.leader().isExceeded(now)).isTrue();
    assertThat(onBroker1.leader().isExceeded(now + 12_000)).as("the window moved on").isFalse();
    onBroker1.follower().record(20_000, now);
    assertThat(onBroker1.follower().isExceeded(now)).as("the default's 5,000 B/s").isFalse();
  }

  @Test
  void withoutARateNothingIsExceeded() {
    ReplicationThrottles onBroker3 = new ReplicationThrottles(3, () -> metadata);
    onBroker3.leader().record(1_000_000_000L, 0);
    assertThat(onBroker3.leader().isExceeded(0)).isFalse();
  }

  @Test
  void replicaListsAreWildcardsOrPartitionBrokerPairs() {
    assertThat(ReplicationThrottles.listed("*", 9).names(7)).isTrue();
    assertThat(ReplicationThrottles.listed(" 0:1 , 7:9", 9).names(7)).isTrue();
    assertThat(ReplicationThrottles.listed("0:1,7:8", 9).names(7)).isFalse();
    assertThat(ReplicationThrottles.listed("", 9).names(7)).isFalse();
  }

  /** Entries are compared as text: only {@code partition:broker} as the numbers print names one. */
  @Test
  void aReplicaListNamesOnlyThePartitionsItSpellsOutForThisBroker() {
    assertThat(ReplicationThrottles.listed(" 0:9, 3:9 ,4:1, 5:19, 6:9:9, x:9, 01:9, +2:9, -1:9", 9))
        .isEqualTo(new ReplicationThrottles.Listed(false, Set.of(0, 3, -1)));
    assertThat(ReplicationThrottles.listed(" * ", 9).names(12345)).isTrue();
    assertThat(ReplicationThrottles.listed("*,0:9", 9).names(1)).as("* only alone").isFalse();
  }

  @Test
  void aNewMetadataSnapshotIsSeenByTheNextFetch() {
    ReplicationThrottles onBroker1 = new ReplicationThrottles(1, () -> metadata);
    long now = 1_000_000;
    assertThat(onBroker1.leader().isThrottled(TP, false)).isTrue();
    onBroker1.leader().record(20_000, now);
    assertThat(onBroker1.leader().isExceeded(now)).isTrue();

    TopicInfo moving = metadata.topic("moving").orElseThrow();
    metadata =
        metadata
            .withTopics(
                Map.of(
                    "moving",
                    new TopicInfo(
                        "moving",
                        moving.id(),
                        moving.partitions(),
                        Map.of(ReplicationThrottles.LEADER_REPLICAS, "1:1"))))
            .withBrokerConfigs(Map.of("1", Map.of(ReplicationThrottles.LEADER_RATE, "3000")));
    assertThat(onBroker1.leader().isThrottled(TP, false)).as("0:1 no longer listed").isFalse();
    assertThat(onBroker1.leader().isThrottled(new TopicPartition("moving", 1), false)).isTrue();
    assertThat(onBroker1.leader().isExceeded(now)).as("2,000 B/s under the new 3,000").isFalse();
    assertThat(onBroker1.follower().isThrottled(TP, false)).as("its list is gone").isFalse();

    metadata = metadata.withBrokerConfigs(Map.of());
    onBroker1.leader().record(1_000_000, now);
    assertThat(onBroker1.leader().isExceeded(now)).as("no rate: nothing exceeded").isFalse();
  }

  @Test
  void aSnapshotsConfigsAreReadOncePerSideNotOnEveryFetch() {
    AtomicInteger reads = new AtomicInteger();
    Map<String, String> configs =
        new HashMap<>(Map.of(ReplicationThrottles.LEADER_REPLICAS, "0:1")) {
          @Override
          public String get(Object key) {
            reads.incrementAndGet();
            return super.get(key);
          }
        };
    TopicInfo moving = metadata.topic("moving").orElseThrow();
    metadata =
        metadata.withTopics(
            Map.of("moving", new TopicInfo("moving", moving.id(), moving.partitions(), configs)));
    ReplicationThrottles onBroker1 = new ReplicationThrottles(1, () -> metadata);
    for (int i = 0; i < 3; i++) {
      assertThat(onBroker1.leader().isThrottled(TP, false)).isTrue();
      assertThat(onBroker1.follower().isThrottled(TP, false)).isFalse();
    }
    assertThat(reads).as("one read per side").hasValue(2);
  }
}
