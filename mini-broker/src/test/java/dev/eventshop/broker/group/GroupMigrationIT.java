package dev.eventshop.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade and a rolling downgrade of a consumer application, with real Kafka 4.1
 * KafkaConsumers against an in-process mini-broker: instances using the classic protocol are
 * replaced one at a time by instances using the consumer group protocol (KIP-848), or the other way
 * round, while records keep coming. The group migrates online (it is never emptied), every record
 * is processed exactly once, and committed offsets cover every record.
 */
@Timeout(180)
class GroupMigrationIT {

  static final String TOPIC = "deliveries";
  static final int PARTITIONS = 6;

  @TempDir Path dir;
  Broker broker;
  KafkaProducer<String, String> producer;
  Admin admin;
  final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();
  final Map<KafkaConsumer<String, String>, String> names = new HashMap<>();
  final Ledger ledger = new Ledger();
  int produced;

  @BeforeEach
  void start() throws Exception {
    // Consumer-protocol heartbeats every 200 ms instead of 5 s; classic consumers heartbeat every
    // 300 ms with a 3 s session, which group.min.session.timeout.ms must allow.
    broker =
        RunningBroker.start(
            dir,
            "group.consumer.heartbeat.interval.ms=200",
            "group.consumer.session.timeout.ms=4000",
            "group.min.session.timeout.ms=1000");
    admin = Admin.create(common());
    admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
    Properties props = common();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    producer = new KafkaProducer<>(props);
  }

  @AfterEach
  void stop() {
    consumers.forEach(c -> c.close(Duration.ofSeconds(5)));
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
    broker.close();
  }

  Properties common() {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    return props;
  }

  /** Records numbered from where the last call stopped, spread evenly over the partitions. */
  void produce(int count) throws Exception {
    assertThat(count % PARTITIONS).isZero();
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (int i = produced; i < produced + count; i++) {
      sent.add(
          producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "r" + i, Integer.toString(i))));
    }
    for (Future<RecordMetadata> f : sent) {
      f.get(30, TimeUnit.SECONDS);
    }
    produced += count;
  }

  /** A consumer instance of the application, named for the test's messages. */
  KafkaConsumer<String, String> consumer(String name, String protocol) {
    Properties props = common();
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "couriers");
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // The rebalance timeout of both protocols: a stuck rebalance fails the test, not its timeout.
    props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30_000);
    if (protocol.equals("classic")) {
      props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3000);
      props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 300);
    }
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
    // With a listener, the consumer-protocol consumer revokes partitions inside poll(), on the
    // application thread, as the classic one does: between a poll and the commit that follows it
    // the consumer keeps what it polled.
    consumer.subscribe(
        List.of(TOPIC),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
        });
    consumers.add(consumer);
    names.put(consumer, name);
    return consumer;
  }

  /** Closes an instance: it leaves the group (LeaveGroup, or a heartbeat with epoch -1). */
  void shutDown(KafkaConsumer<String, String> consumer) {
    consumer.close(Duration.ofSeconds(5));
    consumers.remove(consumer);
  }

  /**
   * Which records the application has processed: a record is processed when the commit that follows
   * its poll succeeds. A partition's records must be processed in offset order, each once, with no
   * gap: a record processed twice (two members holding a partition at the same time, or one reading
   * past what another committed) or skipped fails at once.
   */
  static final class Ledger {
    final Map<TopicPartition, Long> next =
        new TreeMap<>(java.util.Comparator.comparing(TopicPartition::partition));
    final Map<String, String> processedBy = new HashMap<>();
    int failedCommits;

    void processed(String member, TopicPartition tp, List<ConsumerRecord<String, String>> records) {
      for (ConsumerRecord<String, String> r : records) {
        long expected = next.getOrDefault(tp, 0L);
        assertThat(r.offset())
            .as(
                "%s processed %s at offset %d, but the group had processed %s up to %d (%s by %s)",
                member, r.key(), r.offset(), tp, expected, r.key(), processedBy.get(r.key()))
            .isEqualTo(expected);
        assertThat(processedBy.putIfAbsent(r.key(), member)).isNull();
        next.put(tp, expected + 1);
      }
    }

    int size() {
      return processedBy.size();
    }
  }

  /**
   * Polls every member in turn and commits what each poll returned at once; each round first
   * produces one record per partition while {@code trickle} records remain to be produced, so
   * records keep arriving while the group rebalances. A commit refused because a rebalance is under
   * way (CommitFailedException, or RebalanceInProgressException from a classic consumer) processes
   * nothing: the member goes back to the first record of the batch on the partitions it still
   * holds, and a partition it lost starts again, at its new owner, from the committed offset. That
   * is the only re-delivery there is.
   */
  void pollAndCommitUntil(
      BooleanSupplier done, List<KafkaConsumer<String, String>> members, int trickle)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int remaining = trickle;
    for (int round = 0; remaining > 0 || !done.getAsBoolean(); round++) {
      assertThat(round).as("rounds").isLessThan(3000);
      assertThat(System.nanoTime()).as("reached in time").isLessThan(deadline);
      if (remaining > 0) {
        produce(PARTITIONS);
        remaining -= PARTITIONS;
      }
      for (KafkaConsumer<String, String> c : members) {
        pollAndCommit(c);
      }
    }
  }

  void pollAndCommit(KafkaConsumer<String, String> c) {
    ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(20));
    if (records.isEmpty()) {
      return;
    }
    try {
      c.commitSync();
    } catch (CommitFailedException | RebalanceInProgressException e) {
      ledger.failedCommits++;
      for (TopicPartition tp : records.partitions()) {
        if (c.assignment().contains(tp)) {
          c.seek(tp, records.records(tp).get(0).offset());
        }
      }
      return;
    }
    for (TopicPartition tp : records.partitions()) {
      ledger.processed(names.get(c), tp, records.records(tp));
    }
  }

  static boolean balanced(List<KafkaConsumer<String, String>> members) {
    int each = PARTITIONS / members.size();
    Set<TopicPartition> all = new HashSet<>();
    for (KafkaConsumer<String, String> c : members) {
      if (c.assignment().size() != each) {
        return false;
      }
      all.addAll(c.assignment());
    }
    return all.size() == PARTITIONS;
  }

  /**
   * Until the members share the partitions evenly and every record produced is processed, {@code
   * trickle} more records being produced meanwhile.
   */
  void consumeEverything(List<KafkaConsumer<String, String>> members, int trickle)
      throws Exception {
    pollAndCommitUntil(() -> balanced(members) && ledger.size() == produced, members, trickle);
  }

  ConsumerGroupDescription describe() {
    try {
      return admin
          .describeConsumerGroups(List.of("couriers"))
          .all()
          .get(30, TimeUnit.SECONDS)
          .get("couriers");
    } catch (Exception e) {
      throw new AssertionError("describeConsumerGroups failed", e);
    }
  }

  /**
   * Until the group is Stable: a consumer group is Reconciling until every member has acknowledged
   * its assignment in a heartbeat, which can come after the consumer already uses it.
   */
  void settle(List<KafkaConsumer<String, String>> members) throws Exception {
    pollAndCommitUntil(() -> describe().groupState() == GroupState.STABLE, members, 0);
  }

  /** For each member (by client id): whether it uses the consumer group protocol. */
  static Map<String, Boolean> upgraded(ConsumerGroupDescription group) {
    Map<String, Boolean> result = new TreeMap<>();
    for (MemberDescription m : group.members()) {
      result.put(m.clientId(), m.upgraded().orElse(null));
    }
    return result;
  }

  GroupType listedType() throws Exception {
    return admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
        .filter(g -> g.groupId().equals("couriers"))
        .findFirst()
        .flatMap(GroupListing::type)
        .orElseThrow();
  }

  /** Every record produced is processed once, and the committed offsets are at each log's end. */
  void assertEveryRecordProcessedOnceAndCommitted() throws Exception {
    assertThat(ledger.size())
        .as("after %d refused commits", ledger.failedCommits)
        .isEqualTo(produced);
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < produced; i++) {
      keys.add("r" + i);
    }
    assertThat(ledger.processedBy.keySet()).isEqualTo(keys);
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets("couriers")
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    assertThat(committed).hasSize(PARTITIONS);
    assertThat(committed.values())
        .allSatisfy(o -> assertThat(o.offset()).isEqualTo(produced / PARTITIONS));
  }

  @Test
  void rollingUpgradeFromClassicToConsumerProtocolProcessesEveryRecordOnce() throws Exception {
    produce(120);
    KafkaConsumer<String, String> classic1 = consumer("classic-1", "classic");
    KafkaConsumer<String, String> classic2 = consumer("classic-2", "classic");
    consumeEverything(List.of(classic1, classic2), 60);
    assertThat(describe().type()).isEqualTo(GroupType.CLASSIC);

    // The first instance is replaced: its successor's ConsumerGroupHeartbeat upgrades the group,
    // whose other member stays classic.
    shutDown(classic1);
    KafkaConsumer<String, String> modern1 = consumer("modern-1", "consumer");
    consumeEverything(List.of(classic2, modern1), 120);
    ConsumerGroupDescription mixed = describe();
    assertThat(mixed.type()).isEqualTo(GroupType.CONSUMER);
    assertThat(upgraded(mixed)).isEqualTo(Map.of("classic-2", false, "modern-1", true));

    // Then the second.
    shutDown(classic2);
    KafkaConsumer<String, String> modern2 = consumer("modern-2", "consumer");
    consumeEverything(List.of(modern1, modern2), 120);
    settle(List.of(modern1, modern2));

    ConsumerGroupDescription group = describe();
    assertThat(group.type()).isEqualTo(GroupType.CONSUMER);
    assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
    assertThat(upgraded(group)).isEqualTo(Map.of("modern-1", true, "modern-2", true));
    assertThat(listedType()).isEqualTo(GroupType.CONSUMER);
    assertEveryRecordProcessedOnceAndCommitted();
  }

  @Test
  void rollingDowngradeFromConsumerToClassicProtocolProcessesEveryRecordOnce() throws Exception {
    produce(120);
    KafkaConsumer<String, String> modern1 = consumer("modern-1", "consumer");
    KafkaConsumer<String, String> modern2 = consumer("modern-2", "consumer");
    consumeEverything(List.of(modern1, modern2), 60);
    assertThat(describe().type()).isEqualTo(GroupType.CONSUMER);

    // The first instance is replaced by a classic one: it joins the consumer group as it is.
    shutDown(modern1);
    KafkaConsumer<String, String> classic1 = consumer("classic-1", "classic");
    consumeEverything(List.of(modern2, classic1), 120);
    ConsumerGroupDescription mixed = describe();
    assertThat(mixed.type()).isEqualTo(GroupType.CONSUMER);
    assertThat(upgraded(mixed)).isEqualTo(Map.of("classic-1", false, "modern-2", true));

    // The last consumer-protocol member leaves: the group becomes classic again.
    shutDown(modern2);
    KafkaConsumer<String, String> classic2 = consumer("classic-2", "classic");
    consumeEverything(List.of(classic1, classic2), 120);
    settle(List.of(classic1, classic2));

    ConsumerGroupDescription group = describe();
    assertThat(group.type()).isEqualTo(GroupType.CLASSIC);
    assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
    assertThat(group.members())
        .extracting(MemberDescription::clientId)
        .containsExactlyInAnyOrder("classic-1", "classic-2");
    assertThat(listedType()).isEqualTo(GroupType.CLASSIC);
    assertEveryRecordProcessedOnceAndCommitted();
  }
}
