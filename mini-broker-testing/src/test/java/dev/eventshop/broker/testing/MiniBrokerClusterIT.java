package dev.eventshop.broker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code @MiniBroker(nodes = 3)}: three in-process nodes in one quorum, topics replicated on all
 * three, and clients (an idempotent acks=all producer, a consumer group) that carry on when the
 * leader of a partition is killed, as they would against a real cluster.
 */
@MiniBroker(nodes = 3, partitions = 3)
class MiniBrokerClusterIT {

  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void topicsAreReplicatedOnEveryNode(MiniBrokerCluster cluster) throws Exception {
    assertThat(cluster.bootstrapServers().split(",")).hasSize(3);
    try (Admin admin = admin(cluster)) {
      produce(cluster, "replicated", 0, 3);
      assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(3);
      TopicDescription topic = describe(admin, "replicated");
      assertThat(topic.partitions()).hasSize(3);
      assertThat(topic.partitions())
          .allSatisfy(p -> assertThat(p.replicas()).hasSize(3))
          .allSatisfy(p -> assertThat(p.isr()).hasSize(3));
      String minIsr =
          admin
              .describeConfigs(
                  List.of(
                      new org.apache.kafka.common.config.ConfigResource(
                          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "replicated")))
              .all()
              .get(30, TimeUnit.SECONDS)
              .values()
              .iterator()
              .next()
              .get("min.insync.replicas")
              .value();
      assertThat(minIsr).isEqualTo("2");
    }
  }

  @Test
  void clientsCarryOnWhenALeaderIsKilled(MiniBrokerCluster cluster) throws Exception {
    try (Admin admin = admin(cluster);
        KafkaConsumer<String, String> consumer = consumer(cluster)) {
      produce(cluster, "failover", 0, 20);
      consumer.subscribe(List.of("failover"));
      assertThat(poll(consumer, 20)).containsExactlyInAnyOrderElementsOf(values(0, 20));

      int leader = describe(admin, "failover").partitions().get(0).leader().id();
      cluster.kill(leader);
      try {
        // acks=all with two of three replicas in sync: every send succeeds once leadership moved.
        produce(cluster, "failover", 20, 20);
        // The committed offsets survived on the other replicas of __consumer_offsets: no record
        // is read twice, none is missed.
        assertThat(poll(consumer, 20)).containsExactlyInAnyOrderElementsOf(values(20, 20));
        TopicPartitionInfo moved = describe(admin, "failover").partitions().get(0);
        assertThat(moved.leader().id()).isNotEqualTo(leader);
        assertThat(moved.isr()).extracting(n -> n.id()).doesNotContain(leader);
      } finally {
        cluster.start(leader);
      }
      // The returning node catches up and rejoins the ISR of every partition.
      awaitFullIsr(admin, "failover");
    }
  }

  private static void produce(MiniBrokerCluster cluster, String topic, int from, int count)
      throws Exception {
    Map<String, Object> props =
        Map.of(
            "bootstrap.servers", cluster.bootstrapServers(),
            "acks", "all",
            "delivery.timeout.ms", "60000",
            "request.timeout.ms", "10000");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
      for (int i = from; i < from + count; i++) {
        sends.add(producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i)));
      }
      // Each get throws if its record was not acknowledged by the in-sync replicas.
      for (java.util.concurrent.Future<?> send : sends) {
        send.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> values(int from, int count) {
    return java.util.stream.IntStream.range(from, from + count)
        .mapToObj(i -> "value-" + i)
        .toList();
  }

  /**
   * The values of the records polled until {@code expected} of them arrived or {@link #WAIT}
   * passed, each batch committed at once.
   */
  private static List<String> poll(KafkaConsumer<String, String> consumer, int expected) {
    List<String> values = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (values.size() < expected && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      consumer.commitSync();
    }
    // Anything delivered twice would show up in a last, short poll.
    consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
    return values;
  }

  private static KafkaConsumer<String, String> consumer(MiniBrokerCluster cluster) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", cluster.bootstrapServers());
    props.put("group.id", "cluster-test");
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  private static Admin admin(MiniBrokerCluster cluster) {
    return Admin.create(Map.<String, Object>of("bootstrap.servers", cluster.bootstrapServers()));
  }

  private static TopicDescription describe(Admin admin, String topic) throws Exception {
    return admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get(30, TimeUnit.SECONDS)
        .get(topic);
  }

  private static void awaitFullIsr(Admin admin, String topic) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    TopicDescription d = describe(admin, topic);
    while (d.partitions().stream().anyMatch(p -> p.isr().size() < 3)
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
      d = describe(admin, topic);
    }
    assertThat(d.partitions()).allSatisfy(p -> assertThat(p.isr()).hasSize(3));
  }
}
