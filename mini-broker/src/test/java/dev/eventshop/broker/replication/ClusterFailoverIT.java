package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.server.BrokerProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes in a cluster; the leader of a replicated partition is killed with SIGKILL
 * while an idempotent producer writes with acks=all. A checking consumer then proves that every
 * acknowledged record is present exactly once and in order, and the killed broker, restarted,
 * catches up and rejoins the ISR.
 */
class ClusterFailoverIT {

  @TempDir Path dir;
  final List<BrokerProcess> brokers = new ArrayList<>(List.of());
  final Map<Integer, String> configs = new java.util.HashMap<>();

  @AfterEach
  void stopAll() throws Exception {
    for (BrokerProcess broker : brokers) {
      if (broker != null) {
        broker.close();
      }
    }
  }

  /** Distinct free ports: every socket stays open until all are chosen. */
  static int[] freePorts(int count) throws Exception {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  void startCluster() throws Exception {
    int[] ports = freePorts(6);
    int[] clientPorts = {ports[0], ports[1], ports[2]};
    int[] raftPorts = {ports[3], ports[4], ports[5]};
    String voters =
        "1@127.0.0.1:"
            + raftPorts[0]
            + ",2@127.0.0.1:"
            + raftPorts[1]
            + ",3@127.0.0.1:"
            + raftPorts[2];
    List<BrokerProcess.Launched> launched = new ArrayList<>();
    for (int id = 1; id <= 3; id++) {
      String config =
          String.join(
              "\n",
              "node.id=" + id,
              "listeners=PLAINTEXT://127.0.0.1:" + clientPorts[id - 1],
              "controller.quorum.voters=" + voters,
              "log.dirs=" + dir.resolve("broker-" + id),
              "default.replication.factor=3",
              "offsets.topic.replication.factor=3",
              "offsets.topic.num.partitions=3",
              "min.insync.replicas=2",
              "replica.lag.time.max.ms=5000",
              "group.initial.rebalance.delay.ms=0",
              "");
      configs.put(id, config);
      launched.add(BrokerProcess.launch(dir, config));
    }
    for (BrokerProcess.Launched l : launched) {
      brokers.add(l.await());
    }
  }

  String bootstrap() {
    StringBuilder servers = new StringBuilder();
    for (BrokerProcess b : brokers) {
      if (b != null) {
        servers.append(servers.length() == 0 ? "" : ",").append(b.bootstrapServers());
      }
    }
    return servers.toString();
  }

  TopicPartitionInfo describe(Admin admin, String topic, int partition) throws Exception {
    TopicDescription d =
        admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    return d.partitions().get(partition);
  }

  @Test
  void noAcknowledgedRecordIsLostWhenTheLeaderIsKilled() throws Exception {
    startCluster();
    Properties adminProps = new Properties();
    adminProps.put("bootstrap.servers", bootstrap());
    try (Admin admin = Admin.create(adminProps)) {
      admin
          .createTopics(List.of(new NewTopic("replicated", 1, (short) 3)))
          .all()
          .get(30, TimeUnit.SECONDS);
      TopicPartitionInfo before = describe(admin, "replicated", 0);
      assertThat(before.replicas()).hasSize(3);
      assertThat(before.isr()).hasSize(3);
      int leader = before.leader().id();

      ConcurrentSkipListMap<Long, String> acknowledged = new ConcurrentSkipListMap<>();
      AtomicBoolean sending = new AtomicBoolean(true);
      AtomicInteger failures = new AtomicInteger();
      Properties producerProps = new Properties();
      producerProps.put("bootstrap.servers", bootstrap());
      producerProps.put("acks", "all");
      producerProps.put("linger.ms", "1");
      producerProps.put("delivery.timeout.ms", "30000");
      producerProps.put("request.timeout.ms", "5000");
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
        Thread sender =
            new Thread(
                () -> {
                  for (int i = 0; i < 1_000_000 && sending.get(); i++) {
                    String value = "value-" + i;
                    producer.send(
                        new ProducerRecord<>("replicated", 0, "k", value),
                        (metadata, error) -> {
                          if (error == null) {
                            acknowledged.put(metadata.offset(), value);
                          } else {
                            failures.incrementAndGet();
                          }
                        });
                    if (i % 100 == 0) {
                      try {
                        Thread.sleep(1); // a steady stream, not one giant burst
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  }
                });
        sender.start();
        awaitAcks(acknowledged, 2_000);
        brokers.get(leader - 1).kill();
        int countAtKill = acknowledged.size();
        awaitAcks(acknowledged, countAtKill + 2_000);
        sending.set(false);
        sender.join(30_000);
        producer.flush();
      }

      TopicPartitionInfo after = describe(admin, "replicated", 0);
      assertThat(after.leader().id()).isNotEqualTo(leader);
      assertThat(after.isr()).extracting(n -> n.id()).doesNotContain(leader);

      List<ConsumerRecord<String, String>> records = readAll(new TopicPartition("replicated", 0));
      for (Map.Entry<Long, String> ack : acknowledged.entrySet()) {
        assertThat(records.get(ack.getKey().intValue()).value())
            .as("offset %d", ack.getKey())
            .isEqualTo(ack.getValue());
      }
      java.util.Set<String> distinct = new java.util.HashSet<>();
      int previous = -1;
      for (ConsumerRecord<String, String> r : records) {
        assertThat(distinct.add(r.value())).as("duplicate %s", r.value()).isTrue();
        int n = Integer.parseInt(r.value().substring("value-".length()));
        assertThat(n).as("order at offset %d", r.offset()).isGreaterThan(previous);
        previous = n;
      }

      // The killed broker comes back, catches up and rejoins the ISR.
      brokers.set(leader - 1, BrokerProcess.start(dir, configs.get(leader)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (describe(admin, "replicated", 0).isr().size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(describe(admin, "replicated", 0).isr()).hasSize(3);
    }
  }

  private static void awaitAcks(Map<Long, String> acknowledged, int count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (acknowledged.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(acknowledged.size()).as("acknowledged records").isGreaterThanOrEqualTo(count);
  }

  private List<ConsumerRecord<String, String>> readAll(TopicPartition tp) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap());
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (records.size() < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertThat(records).hasSize((int) end);
      return records;
    }
  }
}
