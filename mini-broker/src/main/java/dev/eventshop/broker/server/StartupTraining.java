package dev.eventshop.broker.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The training run behind the broker's class-data-sharing archive: the build runs it as {@code java
 * -XX:ArchiveClassesAtExit=mini-broker.jsa -cp mini-broker.jar ...StartupTraining}, so the JVM
 * records every class a broker loads to start and to serve its first clients (a topic created, a
 * record produced, a consumer group reading it). A broker started with {@code
 * -XX:SharedArchiveFile=mini-broker.jsa} maps those classes instead of loading and verifying them
 * again, which halves the CPU time to its ready line. Not part of the broker's command line.
 */
public final class StartupTraining {

  private StartupTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("mini-broker-training");
    try {
      Map<String, String> props = new HashMap<>();
      props.put("listeners", "PLAINTEXT://127.0.0.1:0");
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("offsets.topic.num.partitions", "1");
      // A single broker first, then a node of a (one-voter) cluster, for the metadata quorum's
      // classes: Ratis and its gRPC transport are most of what a cluster node loads.
      props.put("log.dirs", dir.resolve("single").toString());
      train(props);
      props.put("log.dirs", dir.resolve("cluster").toString());
      props.put("controller.quorum.voters", "1@127.0.0.1:" + freePort());
      train(props);
    } finally {
      deleteRecursively(dir);
    }
  }

  private static void train(Map<String, String> props) throws Exception {
    try (Broker broker = new Broker(BrokerConfig.of(props)).start()) {
      serveFirstClients(broker.bootstrapServers());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void serveFirstClients(String bootstrap) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(props)) {
      admin
          .createTopics(List.of(new NewTopic("training", 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("training", "key", "value")).get(30, TimeUnit.SECONDS);
    }
    props.put("group.id", "training");
    props.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("training"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      int read = 0;
      while (read == 0 && System.nanoTime() < deadline) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        read = records.count();
      }
      if (read == 0) {
        throw new IllegalStateException("the training consumer read nothing in 30 s");
      }
      consumer.commitSync();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
