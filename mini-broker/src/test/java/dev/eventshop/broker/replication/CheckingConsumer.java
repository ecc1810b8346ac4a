package dev.eventshop.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads partitions back from the cluster, as a plain consumer does, and proves what a replicated
 * log promises: every record the producer saw acknowledged is present at its acknowledged offset,
 * no value appears twice, and the producer's sequence only grows along the partition.
 */
final class CheckingConsumer {

  private CheckingConsumer() {}

  /** Checks every partition {@code producer} wrote to; returns the number of records read. */
  static long assertEveryAcknowledgedRecordOnceInOrder(
      String bootstrap, AcknowledgedProducer producer) {
    long read = 0;
    for (int p = 0; p < producer.partitions(); p++) {
      Map<Long, String> records = readAll(bootstrap, producer.topicPartition(p));
      assertOnceInOrder(producer.topicPartition(p), records, producer.acknowledged(p));
      read += records.size();
    }
    return read;
  }

  /**
   * Every acknowledged record at or after the log start (retention may have deleted older ones) is
   * at its offset; values are distinct and their sequences increase with the offset.
   */
  static void assertOnceInOrder(
      TopicPartition tp, Map<Long, String> records, Map<Long, String> acknowledged) {
    long logStart = records.keySet().stream().min(Long::compare).orElse(Long.MAX_VALUE);
    for (Map.Entry<Long, String> ack : acknowledged.entrySet()) {
      if (ack.getKey() >= logStart) {
        assertThat(records.get(ack.getKey()))
            .as("%s acknowledged at offset %d", tp, ack.getKey())
            .isEqualTo(ack.getValue());
      }
    }
    Set<String> distinct = new HashSet<>();
    long previous = -1;
    for (Map.Entry<Long, String> record : records.entrySet()) {
      String value = record.getValue();
      assertThat(distinct.add(value)).as("%s duplicate %s", tp, value).isTrue();
      long sequence = Long.parseLong(value.substring(value.indexOf('-') + 1));
      assertThat(sequence).as("%s order at offset %d", tp, record.getKey()).isGreaterThan(previous);
      previous = sequence;
    }
  }

  /** Every record of {@code tp} from its log start to its end offset, by offset. */
  static Map<Long, String> readAll(String bootstrap, TopicPartition tp) {
    try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap)) {
      consumer.assign(List.of(tp));
      long start = consumer.beginningOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      consumer.seek(tp, start);
      Map<Long, String> records = new TreeMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (consumer.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < end) {
            records.put(r.offset(), r.value());
          }
        }
      }
      assertThat(records)
          .as("%s records from %d to %d", tp, start, end)
          .hasSize((int) (end - start));
      return records;
    }
  }
}
