package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A consumer group loses its coordinator: the broker leading the group's {@code __consumer_offsets}
 * partition is killed with SIGKILL. The group's coordinator moves with that partition's leadership
 * to a broker that loads the group's offsets from its replica, so the group carries on: no record
 * below a committed offset is delivered again, none is skipped, and a new member resumes exactly at
 * the last committed offset. With either group protocol: a classic member rejoins; a member of a
 * consumer group (KIP-848) carries on, the new coordinator having read the group's records.
 */
class CoordinatorFailoverIT {

  static final String TOPIC = "orders";
  static final String GROUP = "billing";
  static final TopicPartition TP = new TopicPartition(TOPIC, 0);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  /** What the group's member saw: every delivered offset, checked against the committed one. */
  final List<Long> delivered = new java.util.ArrayList<>();

  long committed;

  @ParameterizedTest(name = "group.protocol={0}")
  @ValueSource(strings = {"classic", "consumer"})
  void groupKeepsItsCommittedProgressWhenTheCoordinatorIsKilled(String protocol) throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start(dir, 3);
        KafkaProducer<String, String> producer = producer(cluster.bootstrap())) {
      cluster.createTopic(TOPIC, 1, 3, Map.of());
      send(producer, 0, 200);

      int coordinator;
      try (KafkaConsumer<String, String> member = member(cluster.bootstrap(), protocol)) {
        member.subscribe(List.of(TOPIC));
        consumeAndCommitUntil(member, 100);
        coordinator = coordinatorOf(cluster);

        cluster.kill(coordinator);
        send(producer, 200, 400);
        consumeAndCommitUntil(member, 400);
      }
      assertThat(coordinatorOf(cluster)).as("the new coordinator").isNotEqualTo(coordinator);

      Set<Long> distinct = new HashSet<>(delivered);
      assertThat(distinct).as("every offset delivered, none skipped").hasSize(400);
      assertThat(distinct).allMatch(offset -> offset >= 0 && offset < 400);
      Map<TopicPartition, OffsetAndMetadata> offsets =
          cluster
              .admin()
              .listConsumerGroupOffsets(GROUP)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      assertThat(offsets.get(TP).offset()).isEqualTo(committed).isEqualTo(400);

      // A new member, served by the new coordinator, starts at the committed offset.
      send(producer, 400, 410);
      try (KafkaConsumer<String, String> next = member(cluster.bootstrap(), protocol)) {
        next.subscribe(List.of(TOPIC));
        ConsumerRecord<String, String> first = firstRecord(next);
        assertThat(first.offset()).isEqualTo(400);
        assertThat(first.value()).isEqualTo("0-400");
      }
    }
  }

  /**
   * A group in the middle of a rolling upgrade (KIP-848's online migration: a classic member in a
   * consumer group) loses its coordinator. The new coordinator rebuilds the mixed group from {@code
   * __consumer_offsets}, classic member included, so both members keep their member ids and
   * partitions, nobody rejoins as new, and every record is consumed.
   */
  @Test
  void aGroupHalfwayThroughARollingUpgradeKeepsItsMembersWhenTheCoordinatorIsKilled()
      throws Exception {
    try (ProcessCluster cluster =
            ProcessCluster.start(dir, 3, "group.consumer.heartbeat.interval.ms=500");
        KafkaProducer<String, String> producer = producer(cluster.bootstrap())) {
      cluster.createTopic(TOPIC, 2, 3, Map.of());
      try (KafkaConsumer<String, String> modern = member(cluster.bootstrap(), "consumer");
          KafkaConsumer<String, String> classic = member(cluster.bootstrap(), "classic")) {
        modern.subscribe(List.of(TOPIC));
        classic.subscribe(List.of(TOPIC));
        Map<String, Integer> seen = new java.util.HashMap<>();
        pollBoth(modern, classic, seen, () -> oneEach(modern, classic));
        Map<String, Boolean> before = membersAndUpgraded(cluster);
        assertThat(before.values())
            .as("one classic member, one of KIP-848")
            .containsOnly(true, false);

        cluster.kill(coordinatorOf(cluster));
        for (int i = 0; i < 100; i++) {
          producer
              .send(new ProducerRecord<>(TOPIC, i % 2, null, "r-" + i))
              .get(60, TimeUnit.SECONDS);
        }
        pollBoth(modern, classic, seen, () -> seen.size() == 100);

        assertThat(membersAndUpgraded(cluster))
            .as("the same members, not rejoined")
            .isEqualTo(before);
        assertThat(oneEach(modern, classic)).isTrue();
      }
    }
  }

  /** Polls both members in turn until {@code done}, counting the records each value came in. */
  private static void pollBoth(
      KafkaConsumer<String, String> a,
      KafkaConsumer<String, String> b,
      Map<String, Integer> seen,
      java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("reached in 120 s").isLessThan(deadline);
      for (KafkaConsumer<String, String> c : List.of(a, b)) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
          seen.merge(r.value(), 1, Integer::sum);
        }
        try {
          c.commitSync(Duration.ofSeconds(30));
        } catch (KafkaException e) { // the coordinator is moving or the group rebalanced
        }
      }
    }
  }

  private static boolean oneEach(KafkaConsumer<String, String> a, KafkaConsumer<String, String> b) {
    return a.assignment().size() == 1 && b.assignment().size() == 1;
  }

  /** Each member's id, and whether it uses the consumer group protocol ("upgraded"). */
  private static Map<String, Boolean> membersAndUpgraded(ProcessCluster cluster) throws Exception {
    Map<String, Boolean> members = new java.util.TreeMap<>();
    cluster
        .admin()
        .describeConsumerGroups(List.of(GROUP))
        .all()
        .get(30, TimeUnit.SECONDS)
        .get(GROUP)
        .members()
        .forEach(m -> members.put(m.consumerId(), m.upgraded().orElse(false)));
    return members;
  }

  /**
   * Polls and commits after every poll until the member has consumed up to {@code end}. A commit
   * may fail while the coordinator moves; records after the last committed offset may then come
   * again, but never one below it.
   */
  private void consumeAndCommitUntil(KafkaConsumer<String, String> member, long end) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (committed < end && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> r : member.poll(Duration.ofMillis(200))) {
        if (delivered.contains(r.offset())) {
          assertThat(r.offset())
              .as("redelivered below the committed offset")
              .isGreaterThanOrEqualTo(committed);
        }
        delivered.add(r.offset());
      }
      try {
        member.commitSync(Duration.ofSeconds(30));
        OffsetAndMetadata offset = member.committed(Set.of(TP), Duration.ofSeconds(30)).get(TP);
        committed = offset == null ? committed : offset.offset();
      } catch (KafkaException e) { // CommitFailedException, a retriable error or a timeout
        // the coordinator is moving or the group rebalanced: the next poll continues
      }
    }
    assertThat(committed).as("committed offset").isGreaterThanOrEqualTo(end);
  }

  private static int coordinatorOf(ProcessCluster cluster) throws Exception {
    return cluster
        .admin()
        .describeConsumerGroups(List.of(GROUP))
        .all()
        .get(30, TimeUnit.SECONDS)
        .get(GROUP)
        .coordinator()
        .id();
  }

  private static ConsumerRecord<String, String> firstRecord(KafkaConsumer<String, String> member) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> r : member.poll(Duration.ofMillis(200))) {
        return r;
      }
    }
    throw new AssertionError("the new member received nothing");
  }

  private static void send(KafkaProducer<String, String> producer, int from, int to)
      throws Exception {
    for (int i = from; i < to; i++) {
      producer.send(new ProducerRecord<>(TOPIC, 0, null, "0-" + i)).get(60, TimeUnit.SECONDS);
    }
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    return Clients.producer(bootstrap, "acks=all");
  }

  private static KafkaConsumer<String, String> member(String bootstrap, String protocol) {
    return Clients.member(
        bootstrap,
        GROUP,
        "enable.auto.commit=false",
        "max.poll.records=10",
        "group.protocol=" + protocol);
  }
}
