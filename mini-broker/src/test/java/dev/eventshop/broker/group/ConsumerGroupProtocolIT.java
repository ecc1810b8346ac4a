package dev.eventshop.broker.group;

import static dev.eventshop.broker.group.GroupCoordinatorIT.balanced;
import static dev.eventshop.broker.group.GroupCoordinatorIT.pollUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.compat.ChildProcess;
import dev.eventshop.broker.compat.KafkaTools;
import dev.eventshop.broker.server.Broker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real KafkaConsumers with {@code group.protocol=consumer} (KIP-848, Kafka 4's consumer group
 * protocol) against an in-process mini-broker: the coordinator assigns, members revoke before
 * others take over, offsets are committed with member epochs, and the admin client describes the
 * group as a consumer group.
 */
@Timeout(120)
class ConsumerGroupProtocolIT {

  static final String TOPIC = "payments";

  @TempDir Path dir;
  Broker broker;
  final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    // Heartbeats every 200 ms instead of 5 s, so a rebalance takes a moment, not seconds.
    broker =
        RunningBroker.start(
            dir,
            "group.consumer.heartbeat.interval.ms=200",
            "group.consumer.session.timeout.ms=4000");
    try (Admin admin = Admin.create(common())) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 1))).all().get();
    }
  }

  @AfterEach
  void stop() {
    consumers.forEach(c -> c.close(Duration.ofSeconds(5)));
    broker.close();
  }

  Properties common() {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    return props;
  }

  KafkaConsumer<String, String> consumer(String group, String protocol, String instanceId) {
    Properties props = common();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    if (instanceId != null) {
      props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
    }
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
    consumer.subscribe(List.of(TOPIC));
    consumers.add(consumer);
    return consumer;
  }

  KafkaConsumer<String, String> consumer(String group) {
    return consumer(group, "consumer", null);
  }

  void produce(int from, int count) throws Exception {
    Properties props = common();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = from; i < from + count; i++) {
        producer.send(new ProducerRecord<>(TOPIC, i % 6, "k" + i, "v" + i));
      }
      producer.flush();
    }
  }

  @Test
  void membersShareThePartitionsAndEveryRecordIsConsumedOnceAsTheyComeAndGo() throws Exception {
    produce(0, 300);
    Map<String, Integer> seen = new HashMap<>();
    KafkaConsumer<String, String> a = consumer("billing");
    pollAndCommitUntil(() -> a.assignment().size() == 6, List.of(a), seen);

    KafkaConsumer<String, String> b = consumer("billing");
    KafkaConsumer<String, String> c = consumer("billing");
    produce(300, 300);
    pollAndCommitUntil(() -> balanced(List.of(a, b, c), 2), List.of(a, b, c), seen);

    ConsumerGroupDescription group = describe("billing");
    assertThat(group.type()).isEqualTo(GroupType.CONSUMER);
    assertThat(group.partitionAssignor()).isEqualTo("uniform");
    assertThat(group.members()).hasSize(3);
    Set<TopicPartition> assigned = new HashSet<>();
    for (MemberDescription m : group.members()) {
      assertThat(m.assignment().topicPartitions()).hasSize(2);
      assigned.addAll(m.assignment().topicPartitions());
    }
    assertThat(assigned).hasSize(6);
    try (Admin admin = Admin.create(common())) {
      List<GroupListing> listed =
          List.copyOf(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get());
      assertThat(listed)
          .anySatisfy(
              g -> {
                assertThat(g.groupId()).isEqualTo("billing");
                assertThat(g.type()).contains(GroupType.CONSUMER);
              });
    }

    // Kafka's consumer-groups tool shows the members and the group as a consumer group.
    ChildProcess.Finished members =
        consumerGroupsTool("tool-members", "--describe", "--group", "billing", "--members");
    assertThat(members.exitCode()).as(members.stderr()).isZero();
    assertThat(members.stdoutLines().stream().filter(l -> l.startsWith("billing ")))
        .hasSize(3)
        .allSatisfy(l -> assertThat(l).contains("consumer-billing-").contains(" 2 "));
    ChildProcess.Finished state =
        consumerGroupsTool("tool-state", "--describe", "--group", "billing", "--state");
    assertThat(state.stdoutLines().stream().filter(l -> l.startsWith("billing ")))
        .singleElement()
        .satisfies(l -> assertThat(l).contains("uniform").contains("Stable").contains(" 3"));

    c.close(); // leaves the group (epoch -1): its partitions go to the others
    consumers.remove(c);
    produce(600, 300);
    pollAndCommitUntil(() -> balanced(List.of(a, b), 3) && seen.size() == 900, List.of(a, b), seen);

    assertThat(seen).hasSize(900);
    assertThat(seen.values()).as("records seen twice").allMatch(n -> n == 1);
    try (Admin admin = Admin.create(common())) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("billing").partitionsToOffsetAndMetadata().get();
      assertThat(committed).hasSize(6);
      assertThat(committed.values()).allSatisfy(o -> assertThat(o.offset()).isEqualTo(150));
    }
  }

  /**
   * Polls every consumer in turn and commits what each poll returned at once, as a consumer that
   * processes every record once must; a record counts as seen when its offset is committed. A
   * partition moves to another member only after its former owner revoked it, so no record is seen
   * twice. A commit refused because the member was fenced (CommitFailedException) counts nothing:
   * those records come again from the committed offsets, to whichever member gets them.
   */
  static void pollAndCommitUntil(
      java.util.function.BooleanSupplier done,
      List<KafkaConsumer<String, String>> members,
      Map<String, Integer> seen) {
    pollUntil(
        () -> {
          for (KafkaConsumer<String, String> c : members) {
            List<String> keys = new ArrayList<>();
            c.poll(Duration.ofMillis(20)).forEach(r -> keys.add(r.key()));
            try {
              c.commitSync();
              keys.forEach(k -> seen.merge(k, 1, Integer::sum));
            } catch (CommitFailedException e) {
              // fenced: the member rejoins at its next poll
            }
          }
          return done.getAsBoolean();
        },
        List.of());
  }

  @Test
  void aStaticMemberThatComesBackWithinItsSessionGetsItsPartitionsBack() {
    KafkaConsumer<String, String> a = consumer("audit", "consumer", "pod-a");
    KafkaConsumer<String, String> b = consumer("audit", "consumer", "pod-b");
    pollUntil(() -> balanced(List.of(a, b), 3), List.of(a, b));
    Set<TopicPartition> bPartitions = Set.copyOf(b.assignment());
    Set<TopicPartition> aPartitions = Set.copyOf(a.assignment());

    b.close(); // a static member leaves for now (epoch -2): its partitions wait for it
    consumers.remove(b);
    KafkaConsumer<String, String> b2 = consumer("audit", "consumer", "pod-b");
    pollUntil(() -> !b2.assignment().isEmpty(), List.of(a, b2));
    assertThat(b2.assignment()).isEqualTo(bPartitions);
    assertThat(a.assignment()).isEqualTo(aPartitions);

    b2.close();
    consumers.remove(b2);
    // pod-b stays away beyond its 4 s session timeout: its partitions move to pod-a.
    pollUntil(() -> a.assignment().size() == 6, List.of(a));
  }

  @Test
  void membersCarryOnAcrossACoordinatorRestartWithoutARebalance() throws Exception {
    produce(0, 120);
    Map<String, Integer> seen = new HashMap<>();
    KafkaConsumer<String, String> a = consumer("refunds");
    KafkaConsumer<String, String> b = consumer("refunds");
    pollAndCommitUntil(() -> balanced(List.of(a, b), 3) && seen.size() == 120, List.of(a, b), seen);

    int epoch = groupEpoch("refunds");
    // The group's records in __consumer_offsets bring it back as it was: same members, epochs
    // and assignments, so nobody rejoins and the group epoch stays.
    broker =
        RunningBroker.restart(
            broker,
            "group.consumer.heartbeat.interval.ms=200",
            "group.consumer.session.timeout.ms=4000");
    produce(120, 120);
    pollAndCommitUntil(() -> balanced(List.of(a, b), 3) && seen.size() == 240, List.of(a, b), seen);
    assertThat(seen.values()).as("records seen twice").allMatch(n -> n == 1);
    assertThat(groupEpoch("refunds")).isEqualTo(epoch);
  }

  int groupEpoch(String group) throws Exception {
    ConsumerGroupDescription description = describe(group);
    assertThat(description.type()).isEqualTo(GroupType.CONSUMER);
    assertThat(description.members()).hasSize(2);
    return description.groupEpoch().orElseThrow();
  }

  ConsumerGroupDescription describe(String group) throws Exception {
    try (Admin admin = Admin.create(common())) {
      return admin.describeConsumerGroups(List.of(group)).all().get().get(group);
    }
  }

  /** Kafka's consumer-groups tool, run to completion, with its output in {@code name}. */
  ChildProcess.Finished consumerGroupsTool(String name, String... args) {
    List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrapServers()));
    all.addAll(List.of(args));
    return KafkaTools.run(
        dir.resolve(name),
        Duration.ofSeconds(60),
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
        all.toArray(String[]::new));
  }

  @Test
  void aGroupMovesBetweenTheClassicAndTheConsumerProtocolWithItsOffsets() throws Exception {
    produce(0, 60);
    Map<String, Integer> seen = new HashMap<>();
    KafkaConsumer<String, String> classic = consumer("ledger", "classic", null);
    pollAndCommitUntil(() -> seen.size() == 60, List.of(classic), seen);
    classic.close();
    consumers.remove(classic);

    produce(60, 60);
    KafkaConsumer<String, String> modern = consumer("ledger");
    pollAndCommitUntil(() -> seen.size() == 120, List.of(modern), seen);
    assertThat(seen.values()).as("records seen twice").allMatch(n -> n == 1);

    // The group is a consumer group while a consumer-protocol member is in it ...
    ConsumerGroupDescription group = describe("ledger");
    assertThat(group.type()).isEqualTo(GroupType.CONSUMER);
    assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
    modern.close();
    consumers.remove(modern);

    // ... and a classic member takes it back, from the same offsets, once it is empty. (A live
    // group changes protocol too: GroupMigrationIT.)
    produce(120, 60);
    KafkaConsumer<String, String> again = consumer("ledger", "classic", null);
    pollAndCommitUntil(() -> seen.size() == 180, List.of(again), seen);
    assertThat(seen.values()).as("records seen twice").allMatch(n -> n == 1);
    assertThat(describe("ledger").type()).isEqualTo(GroupType.CLASSIC);
  }
}
