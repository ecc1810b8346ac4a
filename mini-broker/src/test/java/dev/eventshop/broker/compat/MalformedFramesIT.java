package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.RunningBroker;
import dev.eventshop.broker.producer.BatchWithoutSequence;
import dev.eventshop.broker.server.Broker;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded fuzz test of the network and protocol layers: a few thousand random and mutated frames
 * (random bytes, truncated headers and bodies, bad sizes, random API keys and versions, corrupted
 * Produce batches) over many short connections, from a fixed seed so any failure replays. After
 * every round a normal producer and consumer, connected all along, must still be served, and at the
 * end the broker's heap must not have grown. A frame announcing more than {@code
 * socket.request.max.bytes} must close its connection at once, without waiting for (or allocating)
 * the body. A well-formed Produce request whose batch breaks the idempotence rules (a producer id
 * without a sequence number) fails its partition only, with Kafka's error.
 */
class MalformedFramesIT {

  static final long SEED = 20261122L;
  static final int ROUNDS = 6;
  static final int FRAMES_PER_ROUND = 500;

  @TempDir Path dir;

  @Test
  void garbageClosesOnlyItsOwnConnectionAndMemoryStaysBounded() throws Exception {
    Random random = new Random(SEED);
    try (Broker broker = RunningBroker.start(dir);
        KafkaProducer<String, String> producer = producer(broker);
        KafkaConsumer<String, String> consumer = consumer(broker)) {
      InetSocketAddress address = broker.boundAddresses().get(0);
      TopicPartition tp = new TopicPartition("healthy", 0);
      consumer.assign(List.of(tp));
      List<byte[]> valid = validRequests();

      assertStillServes(producer, consumer, tp, 0);
      sendRound(address, random, valid); // warm up code paths before measuring the heap
      assertStillServes(producer, consumer, tp, 1);
      long heapBefore = usedHeapAfterGc();

      for (int round = 2; round <= ROUNDS; round++) {
        sendRound(address, random, valid);
        assertStillServes(producer, consumer, tp, round);
      }

      long growth = usedHeapAfterGc() - heapBefore;
      assertThat(growth)
          .as("heap growth after %d garbage frames", ROUNDS * FRAMES_PER_ROUND)
          .isLessThan(64L * 1024 * 1024);
    }
  }

  @Test
  void oversizedFrameClosesTheConnectionBeforeItsBodyArrives() throws Exception {
    try (Broker broker = RunningBroker.start(dir, "socket.request.max.bytes=1048576");
        KafkaProducer<String, String> producer = producer(broker);
        KafkaConsumer<String, String> consumer = consumer(broker)) {
      InetSocketAddress address = broker.boundAddresses().get(0);
      for (int size : new int[] {1048577, 100 * 1024 * 1024, Integer.MAX_VALUE, -1}) {
        try (Socket socket = connect(address)) {
          // Only the size is sent; the broker must not wait for (or buffer) the body.
          socket.getOutputStream().write(ByteBuffer.allocate(4).putInt(size).array());
          socket.getOutputStream().flush();
          assertThat(readUntilClosed(socket.getInputStream()))
              .as("connection closed after a frame size of %d", size)
              .isTrue();
        }
      }
      TopicPartition tp = new TopicPartition("healthy", 0);
      consumer.assign(List.of(tp));
      assertStillServes(producer, consumer, tp, 0);
    }
  }

  @Test
  void aBatchWithAProducerIdButNoSequenceFailsOnlyItsPartitionWithInvalidRecord() throws Exception {
    assertRefusedBesideAGoodPartition(
        BatchWithoutSequence.of(
            0, 4242, (short) 0, false, new SimpleRecord("k".getBytes(), "v".getBytes())),
        "Invalid sequence number -1 in record batch with producerId 4242");
  }

  /** Kafka's rule for Produce v3 and later, which its clients always follow. */
  @Test
  void twoBatchesForOnePartitionFailOnlyThatPartitionWithInvalidRecord() throws Exception {
    ByteBuffer two = ByteBuffer.allocate(1024);
    for (String value : List.of("a", "b")) {
      two.put(
          MemoryRecords.withRecords(
                  Compression.NONE, new SimpleRecord("k".getBytes(), value.getBytes()))
              .buffer());
    }
    two.flip();
    assertRefusedBesideAGoodPartition(
        MemoryRecords.readableRecords(two), "exactly one record batch per partition");
  }

  /**
   * Sends {@code records} for healthy-0 and a good batch for neighbour-0 in one raw Produce v9
   * request: healthy-0 fails with INVALID_RECORD saying {@code why} and has nothing appended,
   * neighbour-0 is appended, and the default (idempotent) producer keeps working.
   */
  void assertRefusedBesideAGoodPartition(MemoryRecords records, String why) throws Exception {
    try (Broker broker = RunningBroker.start(dir);
        KafkaProducer<String, String> producer = producer(broker);
        KafkaConsumer<String, String> consumer = consumer(broker)) {
      TopicPartition tp = new TopicPartition("healthy", 0);
      consumer.assign(List.of(tp));
      assertStillServes(producer, consumer, tp, 0);
      producer.send(new ProducerRecord<>("neighbour", 0, "k", "first")).get(15, TimeUnit.SECONDS);

      ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
      produce.topicData().add(topicData(tp.topic(), records));
      produce
          .topicData()
          .add(
              topicData(
                  "neighbour",
                  MemoryRecords.withRecords(
                      Compression.NONE, new SimpleRecord("k".getBytes(), "second".getBytes()))));
      ProduceResponseData response = send(broker.boundAddresses().get(0), produce);

      PartitionProduceResponse refused = partitionOf(response, tp.topic());
      assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.INVALID_RECORD);
      assertThat(refused.errorMessage()).contains(why);
      PartitionProduceResponse appended = partitionOf(response, "neighbour");
      assertThat(Errors.forCode(appended.errorCode())).isEqualTo(Errors.NONE);
      assertThat(appended.baseOffset()).isOne();
      assertStillServes(producer, consumer, tp, 1); // offset 1: nothing of the refused data
    }
  }

  static ProduceRequestData.TopicProduceData topicData(String topic, MemoryRecords records) {
    ProduceRequestData.TopicProduceData data =
        new ProduceRequestData.TopicProduceData().setName(topic);
    data.partitionData().add(new ProduceRequestData.PartitionProduceData().setRecords(records));
    return data;
  }

  /** Sends one Produce v9 request on a connection of its own and reads its response. */
  static ProduceResponseData send(InetSocketAddress address, ProduceRequestData produce)
      throws IOException {
    short version = 9;
    try (Socket socket = connect(address)) {
      socket
          .getOutputStream()
          .write(serialize(new ProduceRequest(produce, version), ApiKeys.PRODUCE, version));
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] frame = new byte[in.readInt()];
      in.readFully(frame);
      RequestHeader sent = new RequestHeader(ApiKeys.PRODUCE, version, "fuzz", 7); // serialize's
      ProduceResponse response =
          (ProduceResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(frame), sent);
      return response.data();
    }
  }

  static PartitionProduceResponse partitionOf(ProduceResponseData response, String topic) {
    return response.responses().find(topic, Uuid.ZERO_UUID).partitionResponses().get(0);
  }

  /** Sends one round of garbage over many short-lived connections. */
  static void sendRound(InetSocketAddress address, Random random, List<byte[]> valid)
      throws IOException {
    int sent = 0;
    while (sent < FRAMES_PER_ROUND) {
      try (Socket socket = connect(address)) {
        OutputStream out = socket.getOutputStream();
        int burst = 1 + random.nextInt(20);
        for (int i = 0; i < burst && sent < FRAMES_PER_ROUND; i++, sent++) {
          byte[] frame = garbage(random, valid);
          try {
            out.write(frame);
            out.flush();
          } catch (SocketException closedByBroker) {
            break; // the broker closed this connection: exactly what bad input deserves
          }
        }
      }
    }
  }

  /** One malformed frame, of a randomly chosen kind. */
  static byte[] garbage(Random random, List<byte[]> valid) {
    byte[] base = valid.get(random.nextInt(valid.size()));
    switch (random.nextInt(8)) {
      case 0: // random bytes, no framing at all
        return randomBytes(random, random.nextInt(64));
      case 1: // a plausible size, then random bytes
        {
          byte[] body = randomBytes(random, random.nextInt(300));
          return frame(body);
        }
      case 2: // a valid header of a random (often unknown) API key and version, random body
        {
          ByteBuffer header = ByteBuffer.allocate(10 + random.nextInt(100));
          header.putShort((short) (random.nextBoolean() ? random.nextInt(80) : random.nextInt()));
          header.putShort((short) (random.nextInt(40) - 2));
          header.putInt(random.nextInt());
          header.putShort((short) (random.nextInt(20) - 1));
          while (header.hasRemaining()) {
            header.put((byte) random.nextInt());
          }
          return frame(header.array());
        }
      case 3: // a valid request cut short (the size still claims the whole frame)
        {
          byte[] cut = new byte[4 + random.nextInt(base.length - 4)];
          System.arraycopy(base, 0, cut, 0, cut.length);
          return cut;
        }
      case 4: // a valid request whose size field lies (shorter or longer than the body)
        {
          byte[] lying = base.clone();
          int size = ByteBuffer.wrap(lying).getInt();
          ByteBuffer.wrap(lying).putInt(Math.max(0, size + random.nextInt(41) - 20));
          return lying;
        }
      case 5: // a valid request with a few random bytes flipped anywhere after the size
        {
          byte[] flipped = base.clone();
          for (int i = 0; i < 1 + random.nextInt(4); i++) {
            int at = 4 + random.nextInt(flipped.length - 4);
            flipped[at] = (byte) (flipped[at] ^ (1 + random.nextInt(255)));
          }
          return flipped;
        }
      case 6: // a Produce request whose record batch (at the end) is corrupted
        {
          byte[] produce = valid.get(valid.size() - 1).clone();
          int at = produce.length - 1 - random.nextInt(Math.min(80, produce.length - 4));
          produce[at] = (byte) (produce[at] ^ (1 + random.nextInt(255)));
          return produce;
        }
      default: // a valid request: the connection may survive and answer it
        return base;
    }
  }

  /** Well-formed requests to mutate; the last one is a Produce with one record batch. */
  static List<byte[]> validRequests() {
    List<byte[]> requests = new ArrayList<>();
    requests.add(
        serialize(
            new ApiVersionsRequest(
                new ApiVersionsRequestData()
                    .setClientSoftwareName("fuzz")
                    .setClientSoftwareVersion("1"),
                (short) 3),
            ApiKeys.API_VERSIONS,
            (short) 3));
    requests.add(
        serialize(
            new MetadataRequest(new MetadataRequestData().setTopics(null), (short) 12),
            ApiKeys.METADATA,
            (short) 12));
    ProduceRequestData produce = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(1000);
    ProduceRequestData.TopicProduceData topic =
        new ProduceRequestData.TopicProduceData().setName("fuzzed");
    topic
        .partitionData()
        .add(
            new ProduceRequestData.PartitionProduceData()
                .setIndex(0)
                .setRecords(
                    MemoryRecords.withRecords(
                        Compression.NONE,
                        new SimpleRecord("key".getBytes(), "value".getBytes()),
                        new SimpleRecord("key2".getBytes(), "value2".getBytes()))));
    produce.topicData().add(topic);
    requests.add(serialize(new ProduceRequest(produce, (short) 9), ApiKeys.PRODUCE, (short) 9));
    return requests;
  }

  static byte[] serialize(AbstractRequest request, ApiKeys key, short version) {
    ByteBuffer body = request.serializeWithHeader(new RequestHeader(key, version, "fuzz", 7));
    byte[] bytes = new byte[body.remaining()];
    body.get(bytes);
    return frame(bytes);
  }

  static byte[] frame(byte[] body) {
    return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
  }

  static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  static Socket connect(InetSocketAddress address) throws IOException {
    Socket socket = new Socket();
    socket.setSoLinger(true, 0);
    socket.connect(address, 5000);
    socket.setSoTimeout(5000);
    return socket;
  }

  /** True when the peer closes the connection within the socket's timeout. */
  static boolean readUntilClosed(InputStream in) throws IOException {
    byte[] buffer = new byte[1024];
    try {
      while (in.read(buffer) >= 0) {
        // discard anything the broker answered before closing
      }
      return true;
    } catch (SocketException reset) {
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    }
  }

  static void assertStillServes(
      KafkaProducer<String, String> producer,
      KafkaConsumer<String, String> consumer,
      TopicPartition tp,
      int round)
      throws Exception {
    long offset =
        producer
            .send(new ProducerRecord<>(tp.topic(), tp.partition(), "round", "r" + round))
            .get(15, TimeUnit.SECONDS)
            .offset();
    assertThat(offset).isEqualTo(round);
    consumer.seek(tp, offset);
    List<ConsumerRecord<String, String>> read = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (read.isEmpty() && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(100)).forEach(read::add);
    }
    assertThat(read).extracting(ConsumerRecord::value).startsWith("r" + round);
    assertThat(Thread.getAllStackTraces().keySet())
        .as("the broker's network threads are alive")
        .anyMatch(t -> t.getName().startsWith("multiThreadIoEventLoopGroup") && t.isAlive());
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static KafkaProducer<String, String> producer(Broker broker) {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    props.put("delivery.timeout.ms", "15000");
    props.put("request.timeout.ms", "10000");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(Broker broker) {
    Properties props = new Properties();
    props.put("bootstrap.servers", broker.bootstrapServers());
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }
}
