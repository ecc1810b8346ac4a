package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions across three broker processes: each transaction writes to three partitions led by
 * different brokers, so the coordinator sends most markers to other brokers. The broker that
 * coordinates the producer's transactional id is killed with SIGKILL while a transaction is open;
 * the coordinator moves with its {@code __transaction_state} partition and the producer commits the
 * open transaction through the new one. A read_committed consumer then finds exactly the records of
 * the committed transactions, each once and in order, and nothing of the aborted ones.
 */
@Timeout(240)
class TransactionCoordinatorFailoverIT {

  static final String TOPIC = "ledger";
  static final String TRANSACTIONAL_ID = "ledger-writer";
  static final int PARTITIONS = 3;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void anOpenTransactionCommitsThroughTheNextCoordinatorWhenItsCoordinatorIsKilled()
      throws Exception {
    Map<Integer, List<String>> committed = new HashMap<>();
    try (ProcessCluster cluster = ProcessCluster.start(dir, 3)) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of());
      try (KafkaProducer<String, String> producer =
          Clients.producer(
              cluster.bootstrap(),
              "transactional.id=" + TRANSACTIONAL_ID,
              "max.block.ms=60000",
              "delivery.timeout.ms=120000")) {
        producer.initTransactions();
        for (int t = 0; t < 6; t++) {
          transaction(producer, t, t % 3 == 2, committed);
        }

        int coordinator = coordinatorOf(cluster);
        producer.beginTransaction();
        List<String> open = send(producer, 6);
        cluster.kill(coordinator);
        producer.commitTransaction();
        record(open, committed);
        assertThat(coordinatorOf(cluster)).as("the new coordinator").isNotEqualTo(coordinator);

        for (int t = 7; t < 12; t++) {
          transaction(producer, t, t % 3 == 2, committed);
        }
        cluster.restart(coordinator);
        for (int t = 12; t < 15; t++) {
          transaction(producer, t, t % 3 == 2, committed);
        }
      }
      assertThat(readCommitted(cluster.bootstrap(), committed)).isEqualTo(committed);
    }
  }

  /** One transaction over every partition, committed or aborted. */
  private static void transaction(
      KafkaProducer<String, String> producer,
      int t,
      boolean abort,
      Map<Integer, List<String>> committed)
      throws Exception {
    producer.beginTransaction();
    List<String> values = send(producer, t);
    if (abort) {
      producer.abortTransaction();
    } else {
      producer.commitTransaction();
      record(values, committed);
    }
  }

  /** Two records to each partition, acknowledged; values "t{n}-p{partition}-{i}". */
  private static List<String> send(KafkaProducer<String, String> producer, int t) throws Exception {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      for (int p = 0; p < PARTITIONS; p++) {
        String value = "t" + t + "-p" + p + "-" + i;
        producer.send(new ProducerRecord<>(TOPIC, p, null, value)).get(60, TimeUnit.SECONDS);
        values.add(value);
      }
    }
    return values;
  }

  private static void record(List<String> values, Map<Integer, List<String>> committed) {
    for (String value : values) {
      int p = Integer.parseInt(value.substring(value.indexOf("-p") + 2, value.lastIndexOf('-')));
      committed.computeIfAbsent(p, k -> new ArrayList<>()).add(value);
    }
  }

  private static int coordinatorOf(ProcessCluster cluster) throws Exception {
    TransactionDescription description =
        cluster
            .admin()
            .describeTransactions(List.of(TRANSACTIONAL_ID))
            .description(TRANSACTIONAL_ID)
            .get(30, TimeUnit.SECONDS);
    return description.coordinatorId();
  }

  private static Map<Integer, List<String>> readCommitted(
      String bootstrap, Map<Integer, List<String>> expected) {
    Map<Integer, List<String>> seen = new HashMap<>();
    int total = expected.values().stream().mapToInt(List::size).sum();
    try (KafkaConsumer<String, String> consumer =
        Clients.consumer(bootstrap, "isolation.level=read_committed")) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        tps.add(new TopicPartition(TOPIC, p));
      }
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      int count = 0;
      while (count < total && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          seen.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.value());
          count++;
        }
      }
      consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.get(r.partition()).add(r.value()));
    }
    return seen;
  }
}
