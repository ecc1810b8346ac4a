package dev.eventshop.broker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@MiniBroker(partitions = 3)
class MiniBrokerExtensionIT {

  @Test
  void publishesItsAddressAndServesAConsumerGroup(MiniBrokerCluster broker) throws Exception {
    assertThat(System.getProperty("spring.kafka.bootstrap-servers"))
        .isEqualTo(broker.bootstrapServers());
    Map<String, Object> common = Map.of("bootstrap.servers", broker.bootstrapServers());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(common, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 30; i++) {
        producer
            .send(new ProducerRecord<>("events", "key-" + i, "value-" + i))
            .get(10, TimeUnit.SECONDS);
      }
    }
    Map<String, Object> consumerProps = new java.util.HashMap<>(common);
    consumerProps.put("group.id", "extension-test");
    consumerProps.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("events"));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (records.size() < 30 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertThat(records).hasSize(30);
      assertThat(records).extracting(ConsumerRecord::partition).containsOnly(0, 1, 2);
    }
  }

  @Test
  void survivesARestartWithItsData(MiniBrokerCluster broker) throws Exception {
    Map<String, Object> common = Map.of("bootstrap.servers", broker.bootstrapServers());
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(common, new StringSerializer(), new StringSerializer())) {
      producer
          .send(new ProducerRecord<>("kept", 0, "k", "before restart"))
          .get(10, TimeUnit.SECONDS);
    }
    broker.restart();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(common, new StringDeserializer(), new StringDeserializer())) {
      var tp = new org.apache.kafka.common.TopicPartition("kept", 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (records.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertThat(records).extracting(ConsumerRecord::value).containsExactly("before restart");
    }
  }
}
