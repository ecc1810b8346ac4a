package dev.eventshop.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.replication.Partition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListOffsets against a real partition led by this broker (node 1 of 3): a leader elected again has
 * the high watermark it had before, below the start of its new epoch, and must not offer it as the
 * end of the log until its followers have fetched in that epoch (KIP-207).
 */
class ListOffsetsHandlerTest {

  static final TopicPartition TP = new TopicPartition("t", 0);
  static final Uuid TOPIC_ID = Uuid.randomUuid();

  @TempDir Path dir;
  LocalReplicas local;
  ListOffsetsHandler handler;

  @BeforeEach
  void leadPartition() throws Exception {
    local = new LocalReplicas(dir);
    handler = new ListOffsetsHandler(local.replicas, () -> local.metadata);
    ledBy1InEpoch(5);
  }

  @AfterEach
  void close() throws Exception {
    local.close();
  }

  void ledBy1InEpoch(int epoch) {
    Map<Integer, BrokerInfo> brokers =
        Map.of(1, LocalReplicas.broker(1), 2, LocalReplicas.broker(2), 3, LocalReplicas.broker(3));
    local.apply(
        new ClusterMetadata(
            "cid",
            1,
            brokers,
            Map.of(
                "t",
                new TopicInfo(
                    "t",
                    TOPIC_ID,
                    List.of(new PartitionInfo(0, List.of(1, 2, 3), 1, epoch, List.of(1, 2, 3))),
                    Map.of()))));
  }

  Partition partition() {
    return local.partition(TP);
  }

  ListOffsetsPartitionResponse latest(short version) throws Exception {
    return listOffsets(ListOffsetsRequest.LATEST_TIMESTAMP, version);
  }

  ListOffsetsPartitionResponse listOffsets(long timestamp, short version) throws Exception {
    ListOffsetsRequest request =
        ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
            .setTargetTimes(
                List.of(
                    new ListOffsetsTopic()
                        .setName("t")
                        .setPartitions(
                            List.of(
                                new ListOffsetsPartition()
                                    .setPartitionIndex(0)
                                    .setCurrentLeaderEpoch(-1)
                                    .setTimestamp(timestamp)))))
            .build(version);
    RequestContext context = TestContexts.of(ApiKeys.LIST_OFFSETS, version, "PLAINTEXT");
    ListOffsetsResponseData response =
        (ListOffsetsResponseData) handler.handle(context, request).toCompletableFuture().get();
    return response.topics().get(0).partitions().get(0);
  }

  static MemoryRecords one(String value) {
    return one(value, 0);
  }

  static MemoryRecords one(String value, long timestamp) {
    return MemoryRecords.withRecords(
        Compression.NONE,
        new SimpleRecord(timestamp, null, value.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theEndIsNotAvailableUntilTheFollowersFetchInTheNewEpoch() throws Exception {
    partition().appendAsLeader(one("a"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition().appendAsLeader(one("b"), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition().onFollowerFetch(2, 1, 0, 10);
    partition().onFollowerFetch(3, 1, 0, 10);
    assertThat(latest((short) 5).offset()).isEqualTo(1);

    ledBy1InEpoch(6); // elected again: the log ends at 2, the high watermark is still 1
    assertThat(Errors.forCode(latest((short) 5).errorCode()))
        .isEqualTo(Errors.OFFSET_NOT_AVAILABLE);
    assertThat(Errors.forCode(latest((short) 4).errorCode()))
        .as("clients before v5 do not know OFFSET_NOT_AVAILABLE")
        .isEqualTo(Errors.LEADER_NOT_AVAILABLE);

    partition().onFollowerFetch(2, 2, 0, 20);
    partition().onFollowerFetch(3, 2, 0, 20);
    ListOffsetsPartitionResponse known = latest((short) 5);
    assertThat(Errors.forCode(known.errorCode())).isEqualTo(Errors.NONE);
    assertThat(known.offset()).isEqualTo(2);
  }

  /** A lookup by timestamp still answers below the old end, and refuses only beyond it. */
  @Test
  void timestampLookupsBeyondTheStaleEndWaitToo() throws Exception {
    partition().appendAsLeader(one("a", 1_000), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition().appendAsLeader(one("b", 2_000), AppendOrigin.CLIENT, (short) 1, 1, 0);
    partition().onFollowerFetch(2, 1, 0, 10);
    partition().onFollowerFetch(3, 1, 0, 10);
    ledBy1InEpoch(6); // the high watermark stays at 1 until the followers fetch again

    ListOffsetsPartitionResponse belowTheEnd = listOffsets(1_000, (short) 5);
    assertThat(Errors.forCode(belowTheEnd.errorCode())).isEqualTo(Errors.NONE);
    assertThat(belowTheEnd.offset()).isZero();
    assertThat(Errors.forCode(listOffsets(2_000, (short) 5).errorCode()))
        .isEqualTo(Errors.OFFSET_NOT_AVAILABLE);
    assertThat(Errors.forCode(listOffsets(ListOffsetsRequest.MAX_TIMESTAMP, (short) 7).errorCode()))
        .isEqualTo(Errors.OFFSET_NOT_AVAILABLE);

    partition().onFollowerFetch(2, 2, 0, 20);
    partition().onFollowerFetch(3, 2, 0, 20);
    assertThat(listOffsets(2_000, (short) 5).offset()).isEqualTo(1);
  }
}
