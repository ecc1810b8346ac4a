package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.server.Broker;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client quotas with Kafka's own tool and the Java client: {@code kafka-configs.sh} sets and shows
 * them, and a producer and a consumer over their byte rates are throttled (the client sees the
 * broker's {@code throttle_time_ms}) while every record still arrives.
 */
class ClientQuotasIT {

  static final Path OUTPUT = ChildProcess.outputDir(ClientQuotasIT.class);
  static final Duration TOOL_TIMEOUT = Duration.ofSeconds(90);
  static final String CONFIG_COMMAND = "kafka.admin.ConfigCommand";
  static final int RATE = 10_240; // bytes per second
  static final int RECORDS = 120; // of 1 KiB: more than the ten seconds' worth a first burst gets

  @TempDir Path dir;
  Broker broker;
  Admin admin;

  @BeforeEach
  void start() throws Exception {
    broker = RunningBroker.start(dir);
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
  }

  @AfterEach
  void stop() {
    admin.close();
    broker.close();
  }

  String bootstrap() {
    return broker.bootstrapServers();
  }

  ChildProcess.Finished configs(String... args) {
    List<String> all = new ArrayList<>(List.of("--bootstrap-server", bootstrap()));
    all.addAll(List.of(args));
    return KafkaTools.run(OUTPUT, TOOL_TIMEOUT, CONFIG_COMMAND, all.toArray(String[]::new))
        .assertSucceeded();
  }

  @Test
  void kafkaConfigsSetsShowsAndDeletesAClientsQuota() throws Exception {
    configs(
        "--alter",
        "--entity-type",
        "clients",
        "--entity-name",
        "reporting",
        "--add-config",
        "producer_byte_rate=1048576,consumer_byte_rate=2097152");
    configs(
        "--alter",
        "--entity-type",
        "users",
        "--entity-default",
        "--add-config",
        "producer_byte_rate=4096");

    String described =
        configs("--describe", "--entity-type", "clients", "--entity-name", "reporting").stdout();
    assertThat(described)
        .contains("client-id 'reporting'")
        .contains("producer_byte_rate=1048576.0")
        .contains("consumer_byte_rate=2097152.0");
    assertThat(configs("--describe", "--entity-type", "users", "--entity-default").stdout())
        .contains("producer_byte_rate=4096.0");

    configs(
        "--alter",
        "--entity-type",
        "clients",
        "--entity-name",
        "reporting",
        "--delete-config",
        "producer_byte_rate");
    Map<ClientQuotaEntity, Map<String, Double>> left =
        admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(10, TimeUnit.SECONDS);
    assertThat(left)
        .containsEntry(
            new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "reporting")),
            Map.of("consumer_byte_rate", 2097152.0));
    assertThat(left).hasSize(2);
  }

  @Test
  void quotasSurviveARestart() throws Exception {
    ClientQuotaEntity client = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "kept"));
    alter(client, "consumer_byte_rate", 4096);
    admin.close();
    broker.close();
    broker = RunningBroker.start(dir);
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    assertThat(
            admin
                .describeClientQuotas(ClientQuotaFilter.all())
                .entities()
                .get(10, TimeUnit.SECONDS))
        .containsExactly(Map.entry(client, Map.of("consumer_byte_rate", 4096.0)));
  }

  @Test
  void badQuotasAreRefusedWithKafkasMessagesAndKeysNotEnforcedSaySo() {
    ClientQuotaEntity client = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "c"));
    assertThatThrownBy(() -> alter(client, "producer_byte_rate", 1.5))
        .hasCauseInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("producer_byte_rate cannot be a fractional value.");
    assertThatThrownBy(() -> alter(client, "no_such_rate", 1.0))
        .hasCauseInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("Invalid configuration key no_such_rate");
    assertThatThrownBy(() -> alter(client, "request_percentage", 50.0))
        .hasCauseInstanceOf(InvalidRequestException.class)
        .hasMessageContaining(
            "mini-broker enforces only producer_byte_rate and consumer_byte_rate");
  }

  void alter(ClientQuotaEntity entity, String key, double value) throws Exception {
    admin
        .alterClientQuotas(
            List.of(
                new ClientQuotaAlteration(
                    entity, List.of(new ClientQuotaAlteration.Op(key, value)))))
        .all()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aProducerAndAConsumerOverTheirRatesAreThrottledAndLoseNothing() throws Exception {
    admin
        .createTopics(List.of(new NewTopic("metered", 1, (short) 1)))
        .all()
        .get(10, TimeUnit.SECONDS);
    alter(
        new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "metered-producer")),
        "producer_byte_rate",
        RATE);
    alter(
        new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "metered-consumer")),
        "consumer_byte_rate",
        RATE);

    byte[] value = new byte[1024];
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap(),
                ProducerConfig.CLIENT_ID_CONFIG,
                "metered-producer",
                ProducerConfig.BATCH_SIZE_CONFIG,
                4096,
                ProducerConfig.LINGER_MS_CONFIG,
                0),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      List<Future<RecordMetadata>> acks = new ArrayList<>();
      for (int i = 0; i < RECORDS; i++) {
        acks.add(producer.send(new ProducerRecord<>("metered", value)));
      }
      for (Future<RecordMetadata> ack : acks) {
        ack.get(60, TimeUnit.SECONDS);
      }
      assertThat(metric(producer.metrics(), "produce-throttle-time-max"))
          .as("the broker asked the producer to wait")
          .isPositive();
    }

    int read = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap(),
                ConsumerConfig.CLIENT_ID_CONFIG,
                "metered-consumer",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                8192),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition("metered", 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (read < RECORDS && System.nanoTime() < deadline) {
        read += consumer.poll(Duration.ofMillis(500)).count();
      }
      assertThat(read).as("every record, once").isEqualTo(RECORDS);
      assertThat(metric(consumer.metrics(), "fetch-throttle-time-max"))
          .as("the broker asked the consumer to wait")
          .isPositive();
    }
  }

  /**
   * A client that ignores throttle_time_ms and pipelines a second request waits anyway: its
   * connection reads nothing more until the throttle time has passed, even a request it had already
   * sent.
   */
  @Test
  void aClientThatIgnoresTheThrottleTimeWaitsAnyway() throws Exception {
    admin.createTopics(List.of(new NewTopic("raw", 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
    alter(
        new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "fuzz")), // the raw client's id
        "producer_byte_rate",
        RATE);
    short version = 9;
    byte[] big =
        MalformedFramesIT.serialize(
            new ProduceRequest(produce(new byte[13 * RATE]), version), ApiKeys.PRODUCE, version);
    byte[] small =
        MalformedFramesIT.serialize(
            new ProduceRequest(produce(new byte[10]), version), ApiKeys.PRODUCE, version);
    try (Socket socket = MalformedFramesIT.connect(brokerAddress())) {
      byte[] both = new byte[big.length + small.length];
      System.arraycopy(big, 0, both, 0, big.length);
      System.arraycopy(small, 0, both, big.length, small.length);
      socket.getOutputStream().write(both);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      ProduceResponseData first = readProduceResponse(in, version);
      long firstAt = System.nanoTime();
      assertThat(first.throttleTimeMs()).as("13 s worth of the quota in one request").isPositive();
      ProduceResponseData second = readProduceResponse(in, version);
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstAt);
      assertThat(waitedMs)
          .as("the second request waited for the throttle time")
          .isGreaterThanOrEqualTo(first.throttleTimeMs() / 2);
      assertThat(second.responses().iterator().next().partitionResponses().get(0).errorCode())
          .isZero();
    }
  }

  static ProduceRequestData produce(byte[] value) {
    ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
    data.topicData()
        .add(
            MalformedFramesIT.topicData(
                "raw", MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value))));
    return data;
  }

  static ProduceResponseData readProduceResponse(DataInputStream in, short version)
      throws Exception {
    byte[] frame = new byte[in.readInt()];
    in.readFully(frame);
    return ((ProduceResponse)
            AbstractResponse.parseResponse(
                ByteBuffer.wrap(frame), new RequestHeader(ApiKeys.PRODUCE, version, "fuzz", 7)))
        .data();
  }

  InetSocketAddress brokerAddress() {
    String[] hostPort = bootstrap().split(",")[0].split(":");
    return new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
  }

  static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
    return metrics.entrySet().stream()
        .filter(e -> e.getKey().name().equals(name))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
        .filter(v -> !Double.isNaN(v))
        .max()
        .orElse(0);
  }
}
