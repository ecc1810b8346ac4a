package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes configured as a Kafka KRaft cluster with two client listeners: INTERNAL on
 * 127.0.0.1 for the brokers themselves (followers fetch on it), EXTERNAL on 127.0.0.2 for clients,
 * and a CONTROLLER listener that is the metadata quorum's port. A client is told the addresses of
 * the listener it connected through, and everything works through either one.
 */
class ListenersIT {

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void eachClientSeesTheAddressesOfItsOwnListener() throws Exception {
    try (ProcessCluster cluster =
        ProcessCluster.start(
            dir,
            3,
            "process.roles=broker,controller",
            "listeners=INTERNAL://127.0.0.1:{port},EXTERNAL://127.0.0.2:{port2},"
                + "CONTROLLER://127.0.0.1:{raftPort}",
            "listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,"
                + "CONTROLLER:PLAINTEXT",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=INTERNAL")) {
      String external =
          cluster.ids().stream()
              .map(id -> "127.0.0.2:" + cluster.secondPort(id))
              .collect(Collectors.joining(","));

      assertThat(describeCluster(cluster.bootstrap()))
          .as("through INTERNAL")
          .allSatisfy(n -> assertThat(n.host()).isEqualTo("127.0.0.1"))
          .extracting(Node::port)
          .doesNotContainAnyElementsOf(secondPorts(cluster));
      assertThat(describeCluster(external))
          .as("through EXTERNAL")
          .allSatisfy(n -> assertThat(n.host()).isEqualTo("127.0.0.2"))
          .extracting(Node::port)
          .containsExactlyInAnyOrderElementsOf(secondPorts(cluster));

      // Replicated over INTERNAL: acks=all completes only once both followers have fetched.
      cluster.createTopic("two-listeners", 3, 3, Map.of());
      List<String> sent = new ArrayList<>();
      try (KafkaProducer<String, String> producer = Clients.producer(external, "acks=all")) {
        for (int i = 0; i < 30; i++) {
          String value = "v" + i;
          producer
              .send(new ProducerRecord<>("two-listeners", "k" + i, value))
              .get(20, TimeUnit.SECONDS);
          sent.add(value);
        }
      }

      // A group through EXTERNAL: FindCoordinator, too, answers with the EXTERNAL address.
      List<String> read = new ArrayList<>();
      try (KafkaConsumer<String, String> member =
          Clients.member(external, "two-listeners-readers")) {
        member.subscribe(List.of("two-listeners"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (read.size() < sent.size() && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : member.poll(Duration.ofMillis(500))) {
            read.add(r.value());
          }
        }
        member.commitSync();
      }
      assertThat(read).containsExactlyInAnyOrderElementsOf(sent);
    }
  }

  private static Collection<Node> describeCluster(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Clients.properties(bootstrap))) {
      return admin.describeCluster().nodes().get(20, TimeUnit.SECONDS);
    }
  }

  private static List<Integer> secondPorts(ProcessCluster cluster) {
    return cluster.ids().stream().map(cluster::secondPort).toList();
  }
}
