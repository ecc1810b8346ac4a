package dev.eventshop.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.compat.RequiredProgram;
import dev.eventshop.broker.server.Broker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real KafkaConsumers (classic protocol) in groups coordinated by an in-process mini-broker. */
@Timeout(120)
class GroupCoordinatorIT {

  static final String TOPIC = "orders";

  @TempDir Path dir;
  Broker broker;
  final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    broker = RunningBroker.start(dir, "group.min.session.timeout.ms=1000");
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

  KafkaConsumer<String, String> consumer(String group, String instanceId) {
    Properties props = common();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 3000);
    props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 300);
    if (instanceId != null) {
      props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
    }
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
    consumer.subscribe(List.of(TOPIC));
    consumers.add(consumer);
    return consumer;
  }

  void produce(int count) throws Exception {
    Properties props = common();
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(TOPIC, i % 6, "k" + i, "v" + i)).get();
      }
    }
  }

  /** Polls every consumer in turn (each must poll to take part in a rebalance) until done. */
  static void pollUntil(BooleanSupplier done, List<KafkaConsumer<String, String>> members) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition reached in time").isLessThan(deadline);
      members.forEach(c -> c.poll(Duration.ofMillis(50)));
    }
  }

  static boolean balanced(List<KafkaConsumer<String, String>> members, int each) {
    Set<TopicPartition> all = new HashSet<>();
    for (KafkaConsumer<String, String> c : members) {
      if (c.assignment().size() != each) {
        return false;
      }
      all.addAll(c.assignment());
    }
    return all.size() == each * members.size();
  }

  @Test
  void threeConsumersShareThePartitionsAndRebalanceWhenOneLeaves() throws Exception {
    KafkaConsumer<String, String> a = consumer("shipping", null);
    KafkaConsumer<String, String> b = consumer("shipping", null);
    KafkaConsumer<String, String> c = consumer("shipping", null);

    pollUntil(() -> balanced(List.of(a, b, c), 2), List.of(a, b, c));
    try (Admin admin = Admin.create(common())) {
      ConsumerGroupDescription group =
          admin.describeConsumerGroups(List.of("shipping")).all().get().get("shipping");
      assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
      assertThat(group.members()).hasSize(3);
      assertThat(group.partitionAssignor()).isNotEmpty();
    }

    c.close(); // sends LeaveGroup: the others take over at once
    consumers.remove(c);
    pollUntil(() -> balanced(List.of(a, b), 3), List.of(a, b));
  }

  @Test
  void aStaticMemberRestartingWithinItsSessionKeepsItsPartitionsWithoutARebalance() {
    KafkaConsumer<String, String> a = consumer("billing", "pod-a");
    KafkaConsumer<String, String> b = consumer("billing", "pod-b");
    pollUntil(() -> balanced(List.of(a, b), 3), List.of(a, b));
    int generation = a.groupMetadata().generationId();
    Set<TopicPartition> bPartitions = Set.copyOf(b.assignment());

    b.close(); // a static member does not leave the group on close
    consumers.remove(b);
    KafkaConsumer<String, String> b2 = consumer("billing", "pod-b");
    pollUntil(() -> !b2.assignment().isEmpty(), List.of(a, b2));

    assertThat(b2.assignment()).isEqualTo(bPartitions);
    assertThat(a.groupMetadata().generationId()).isEqualTo(generation);

    b2.close();
    consumers.remove(b2);
    // Now pod-b stays away beyond its 3 s session timeout: its partitions move to pod-a.
    pollUntil(() -> a.assignment().size() == 6, List.of(a));
    assertThat(a.groupMetadata().generationId()).isGreaterThan(generation);
  }

  @Test
  void librdkafkaBalancedConsumerJoinsAndCommitsItsPositions() throws Exception {
    Path kcat = RequiredProgram.require("kcat", "apt-get install -y kcat");
    produce(60);

    // kcat -G is librdkafka's balanced consumer: JoinGroup v5, SyncGroup v3, OffsetCommit v7...
    Process process =
        new ProcessBuilder(
                kcat.toString(),
                "-b",
                broker.bootstrapServers(),
                "-G",
                "kcat-group",
                "-o",
                "beginning",
                "-c",
                "60",
                "-q",
                "-f",
                "%p@%o\\n",
                TOPIC)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    List<String> lines;
    try (var out = process.inputReader()) {
      lines = out.lines().toList();
    }
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).isZero();
    assertThat(lines).hasSize(60).doesNotHaveDuplicates();
    try (Admin admin = Admin.create(common())) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("kcat-group").partitionsToOffsetAndMetadata().get();
      assertThat(committed).hasSize(6);
      assertThat(committed.values()).allSatisfy(o -> assertThat(o.offset()).isEqualTo(10));
    }
  }

  @Test
  void aConsumerResumesFromItsCommittedOffsetAfterABrokerRestart() throws Exception {
    produce(60);
    KafkaConsumer<String, String> first = consumer("audit", null);
    List<ConsumerRecord<String, String>> read = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (read.size() < 60 && System.nanoTime() < deadline) {
      first.poll(Duration.ofMillis(100)).forEach(read::add);
    }
    assertThat(read).hasSize(60);
    first.commitSync();
    first.close();
    consumers.remove(first);

    broker = RunningBroker.restart(broker);
    produce(6);

    try (Admin admin = Admin.create(common())) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("audit").partitionsToOffsetAndMetadata().get();
      assertThat(committed).hasSize(6);
      assertThat(committed.values()).allSatisfy(o -> assertThat(o.offset()).isEqualTo(10));
      assertThat(
              admin.describeConsumerGroups(List.of("audit")).all().get().get("audit").groupState())
          .isEqualTo(GroupState.EMPTY);
    }
    KafkaConsumer<String, String> second = consumer("audit", null);
    List<ConsumerRecord<String, String>> rest = new ArrayList<>();
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (rest.size() < 6 && System.nanoTime() < deadline) {
      second.poll(Duration.ofMillis(100)).forEach(rest::add);
    }
    assertThat(rest).hasSize(6);
    assertThat(rest).allSatisfy(r -> assertThat(r.offset()).isEqualTo(10));
  }
}
