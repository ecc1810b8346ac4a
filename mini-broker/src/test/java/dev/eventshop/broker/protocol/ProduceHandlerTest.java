package dev.eventshop.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClientQuotas;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.quota.ClientQuotaManager;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce of transaction version 2 (v12+) against a real partition led here: the partition is added
 * to the producer's transaction before the first write of each transaction, and a connection's
 * later requests are appended after the ones that wait for such an add, in the order the producer
 * numbered them.
 */
@Timeout(30)
class ProduceHandlerTest {

  static final TopicPartition TP = new TopicPartition("t", 0);
  static final Uuid TOPIC_ID = Uuid.randomUuid();
  static final String TXN = "tx";
  static final long PRODUCER = 7;

  /** An add the test answers. */
  record Add(
      Collection<TopicPartition> partitions,
      CompletableFuture<Map<TopicPartition, Errors>> answer) {
    void answer(Errors error) {
      Map<TopicPartition, Errors> errors = new HashMap<>();
      partitions.forEach(tp -> errors.put(tp, error));
      answer.complete(errors);
    }
  }

  @TempDir Path dir;
  LocalReplicas local;
  final List<Add> adds = new CopyOnWriteArrayList<>();
  ProduceHandler handler;

  @BeforeEach
  void leadPartition() throws Exception {
    local = new LocalReplicas(dir);
    local.apply(ledBy(1, List.of(1)));
    handler =
        new ProduceHandler(
            local.replicas,
            () -> local.metadata,
            new ClientQuotaManager(ClientQuotas.PRODUCER_BYTE_RATE, () -> ClientQuotas.NONE),
            (transactionalId, producerId, epoch, partitions) -> {
              Add add = new Add(List.copyOf(partitions), new CompletableFuture<>());
              adds.add(add);
              return add.answer();
            });
  }

  @AfterEach
  void close() throws Exception {
    local.close();
  }

  /** Partition t-0 on brokers 1 and 2 as {@code replicas}, led by {@code leader}. */
  static ClusterMetadata ledBy(int leader, List<Integer> replicas) {
    return new ClusterMetadata(
        "cid",
        1,
        Map.of(1, LocalReplicas.broker(1), 2, LocalReplicas.broker(2)),
        Map.of(
            "t",
            new TopicInfo(
                "t",
                TOPIC_ID,
                List.of(new PartitionInfo(0, replicas, leader, leader, replicas)),
                Map.of())));
  }

  CompletableFuture<PartitionProduceResponse> produce(int version, int epoch, int sequence) {
    return produceResponse(version, epoch, sequence)
        .thenApply(r -> r.responses().iterator().next().partitionResponses().get(0));
  }

  CompletableFuture<ProduceResponseData> produceResponse(int version, int epoch, int sequence) {
    MemoryRecords records =
        MemoryRecords.withTransactionalRecords(
            Compression.NONE,
            PRODUCER,
            (short) epoch,
            sequence,
            new SimpleRecord("a".getBytes(StandardCharsets.UTF_8)),
            new SimpleRecord("b".getBytes(StandardCharsets.UTF_8)));
    ProduceRequestData.TopicProduceDataCollection topics =
        new ProduceRequestData.TopicProduceDataCollection();
    topics.add(
        new ProduceRequestData.TopicProduceData()
            .setName("t")
            .setPartitionData(
                List.of(
                    new ProduceRequestData.PartitionProduceData()
                        .setIndex(0)
                        .setRecords(records))));
    ProduceRequest request =
        new ProduceRequest.Builder(
                (short) version,
                (short) version,
                new ProduceRequestData()
                    .setAcks((short) 1)
                    .setTimeoutMs(10_000)
                    .setTransactionalId(TXN)
                    .setTopicData(topics))
            .build((short) version);
    return handler
        .handle(TestContexts.of(ApiKeys.PRODUCE, (short) version, "PLAINTEXT"), request)
        .toCompletableFuture()
        .thenApply(r -> (ProduceResponseData) r);
  }

  static String outcome(CompletableFuture<PartitionProduceResponse> response) {
    PartitionProduceResponse r = response.join();
    return Errors.forCode(r.errorCode()) + " at " + r.baseOffset();
  }

  @Test
  void theFirstWriteOfATransactionWaitsForItsPartitionToBeAdded() {
    CompletableFuture<PartitionProduceResponse> first = produce(12, 0, 0);
    assertThat(adds).hasSize(1);
    assertThat(adds.get(0).partitions()).containsExactly(TP);
    assertThat(first).isNotDone();
    assertThat(local.partition(TP).log().logEndOffset()).isZero();

    adds.get(0).answer(Errors.NONE);
    assertThat(outcome(first)).isEqualTo("NONE at 0");
    // The transaction is open here now: the next write needs no add.
    assertThat(outcome(produce(12, 0, 2))).isEqualTo("NONE at 2");
    assertThat(adds).hasSize(1);
  }

  @Test
  void laterRequestsOfTheConnectionWaitForTheAddInTheirOrder() {
    CompletableFuture<PartitionProduceResponse> first = produce(12, 0, 0);
    CompletableFuture<PartitionProduceResponse> second = produce(12, 0, 2);
    CompletableFuture<PartitionProduceResponse> third = produce(12, 0, 4);
    assertThat(adds).as("the later requests wait; then the transaction is open").hasSize(1);
    assertThat(second).isNotDone();

    adds.get(0).answer(Errors.NONE);
    assertThat(outcome(first)).isEqualTo("NONE at 0");
    assertThat(outcome(second)).isEqualTo("NONE at 2");
    assertThat(outcome(third)).isEqualTo("NONE at 4");
    assertThat(adds).hasSize(1);
  }

  @Test
  void aPartitionTheCoordinatorCannotAddIsNotWritten() {
    CompletableFuture<PartitionProduceResponse> fenced = produce(12, 0, 0);
    adds.get(0).answer(Errors.INVALID_PRODUCER_EPOCH);
    assertThat(outcome(fenced)).isEqualTo("INVALID_PRODUCER_EPOCH at -1");

    // Errors a client of version 1 would not retry are NOT_ENOUGH_REPLICAS, as in Kafka.
    CompletableFuture<PartitionProduceResponse> unavailable = produce(12, 0, 0);
    adds.get(1).answer(Errors.COORDINATOR_NOT_AVAILABLE);
    assertThat(outcome(unavailable)).isEqualTo("NOT_ENOUGH_REPLICAS at -1");
    assertThat(local.partition(TP).log().logEndOffset()).isZero();
  }

  @Test
  void aFollowerAddsNothingToTheTransaction() {
    local.apply(ledBy(2, List.of(2, 1)));

    assertThat(outcome(produce(12, 0, 0))).isEqualTo("NOT_LEADER_OR_FOLLOWER at -1");
    assertThat(adds).isEmpty();
  }

  @Test
  void notLeaderNamesTheLeaderFromVersion10() {
    local.apply(ledBy(2, List.of(2, 1)));

    ProduceResponseData hinted = produceResponse(10, 0, 0).join();
    PartitionProduceResponse p = hinted.responses().iterator().next().partitionResponses().get(0);
    assertThat(p.currentLeader().leaderId()).isEqualTo(2);
    assertThat(p.currentLeader().leaderEpoch()).isEqualTo(2);
    assertThat(hinted.nodeEndpoints())
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.nodeId()).isEqualTo(2);
              assertThat(n.host() + ":" + n.port()).isEqualTo("127.0.0.1:9092");
            });

    ProduceResponseData older = produceResponse(9, 0, 0).join();
    assertThat(older.nodeEndpoints()).isEmpty();
    assertThat(
            older
                .responses()
                .iterator()
                .next()
                .partitionResponses()
                .get(0)
                .currentLeader()
                .leaderId())
        .isEqualTo(-1);
  }

  @Test
  void versionsBefore12LeaveTheAddingToTheProducer() {
    assertThat(outcome(produce(11, 0, 0))).isEqualTo("NONE at 0");
    assertThat(adds).isEmpty();
  }
}
