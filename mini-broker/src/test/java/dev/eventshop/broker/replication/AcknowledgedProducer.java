package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * An idempotent acks=all producer writing all the time, in its own thread, to every partition of
 * one topic in turn, and remembering what the brokers acknowledged: for each partition, the offset
 * and value of every acknowledged record. Values are {@code "<partition>-<sequence>"} with a
 * sequence that grows per partition, so a reader can check order as well as presence.
 */
final class AcknowledgedProducer implements AutoCloseable {

  private final String topic;
  private final int partitions;
  private final KafkaProducer<String, String> producer;
  private final Map<Integer, NavigableMap<Long, String>> acknowledged = new ConcurrentHashMap<>();
  private final AtomicLong acknowledgedCount = new AtomicLong();
  private final AtomicInteger failures = new AtomicInteger();
  private final Thread sender;
  private volatile boolean sending = true;

  AcknowledgedProducer(String bootstrap, String topic, int partitions) {
    this.topic = topic;
    this.partitions = partitions;
    producer =
        Clients.producer(
            bootstrap,
            "acks=all",
            "enable.idempotence=true",
            "linger.ms=1",
            "delivery.timeout.ms=120000",
            "max.block.ms=60000");
    for (int p = 0; p < partitions; p++) {
      acknowledged.put(p, new ConcurrentSkipListMap<>());
    }
    sender = new Thread(this::send, "acknowledged-producer");
    sender.start();
  }

  private void send() {
    long[] next = new long[partitions];
    for (long i = 0; i < 100_000_000L && sending; i++) {
      int partition = (int) (i % partitions);
      String value = partition + "-" + next[partition]++;
      try {
        producer.send(
            new ProducerRecord<>(topic, partition, null, value),
            (metadata, error) -> {
              if (error == null) {
                acknowledged.get(partition).put(metadata.offset(), value);
                acknowledgedCount.incrementAndGet();
              } else {
                failures.incrementAndGet();
              }
            });
      } catch (RuntimeException e) {
        failures.incrementAndGet(); // e.g. metadata not available within max.block.ms
      }
      try {
        // At most about a thousand records a second: a steady stream across every failover, and
        // few enough records for the checking consumer to read back quickly.
        Thread.sleep(1);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  long acknowledgedCount() {
    return acknowledgedCount.get();
  }

  int failures() {
    return failures.get();
  }

  /** Waits (at most 90 s) until {@code more} records beyond those acknowledged so far are. */
  void awaitMoreAcks(long more) throws InterruptedException {
    long target = acknowledgedCount.get() + more;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (acknowledgedCount.get() < target && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(acknowledgedCount.get()).as("acknowledged records").isGreaterThanOrEqualTo(target);
  }

  /** Stops sending and waits for every record sent to be acknowledged or failed. */
  void stopSending() throws InterruptedException {
    sending = false;
    sender.join(30_000);
    producer.flush();
  }

  /** The acknowledged offsets and values of one partition (a live view). */
  NavigableMap<Long, String> acknowledged(int partition) {
    return acknowledged.get(partition);
  }

  TopicPartition topicPartition(int partition) {
    return new TopicPartition(topic, partition);
  }

  int partitions() {
    return partitions;
  }

  @Override
  public void close() throws InterruptedException {
    sending = false;
    sender.join(30_000);
    producer.close(java.time.Duration.ofSeconds(30));
  }
}
