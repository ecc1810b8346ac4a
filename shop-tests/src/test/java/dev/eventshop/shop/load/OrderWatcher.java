package dev.eventshop.shop.load;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Sees orders reach their final state without asking the order-service: reads {@code orders} from
 * its end (no consumer group) and notes when each OrderConfirmed or OrderCancelled arrives. That is
 * when the order-service has committed the final state and its relay has published it.
 */
final class OrderWatcher implements AutoCloseable {

  /** When (System.nanoTime) an order's final event was seen, and which one it was. */
  record Final(long seenAt, String eventType) {}

  private final Map<String, Final> finals = new ConcurrentHashMap<>();
  private final KafkaConsumer<String, String> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  OrderWatcher(String bootstrapServers) {
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                "10"),
            new StringDeserializer(),
            new StringDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor("orders", Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition("orders", p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // resolve the end now, before any order is placed
    thread = new Thread(this::watch, "order-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  Final finalOf(String orderId) {
    return finals.get(orderId);
  }

  private void watch() {
    while (running) {
      for (var record : consumer.poll(Duration.ofMillis(100))) {
        long now = System.nanoTime();
        Header type = record.headers().lastHeader("eventType");
        String eventType = type == null ? "" : new String(type.value(), StandardCharsets.UTF_8);
        if (eventType.equals("OrderConfirmed") || eventType.equals("OrderCancelled")) {
          finals.putIfAbsent(record.key(), new Final(now, eventType));
        }
      }
    }
    consumer.close();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
