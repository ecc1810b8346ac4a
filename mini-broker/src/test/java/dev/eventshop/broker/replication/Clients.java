package dev.eventshop.broker.replication;

import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * kafka-clients as the cluster tests use them: String keys and values, the cluster's bootstrap
 * servers, short request timeouts (a dead broker is noticed quickly) and settings given as {@code
 * "key=value"} pairs.
 */
final class Clients {

  private Clients() {}

  static KafkaProducer<String, String> producer(String bootstrap, String... settings) {
    return new KafkaProducer<>(
        properties(bootstrap, settings), new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(String bootstrap, String... settings) {
    return new KafkaConsumer<>(
        properties(bootstrap, settings), new StringDeserializer(), new StringDeserializer());
  }

  /** A member of {@code group} reading from the earliest offset, with a 10 s session. */
  static KafkaConsumer<String, String> member(String bootstrap, String group, String... settings) {
    Properties props = properties(bootstrap, settings);
    props.put("group.id", group);
    props.putIfAbsent("auto.offset.reset", "earliest");
    if (!"consumer".equals(props.getProperty("group.protocol"))) {
      // Classic members set their own session; in a consumer group (KIP-848) the broker does,
      // and the client refuses these settings.
      props.putIfAbsent("session.timeout.ms", "10000");
      props.putIfAbsent("heartbeat.interval.ms", "1000");
    }
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  static Properties properties(String bootstrap, String... settings) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("request.timeout.ms", "5000");
    props.put("default.api.timeout.ms", "30000");
    for (String setting : settings) {
      int eq = setting.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("not key=value: " + setting);
      }
      props.put(setting.substring(0, eq), setting.substring(eq + 1));
    }
    return props;
  }
}
