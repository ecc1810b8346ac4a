package dev.eventshop.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.QuorumDescription;
import dev.eventshop.broker.protocol.RequestContext;
import dev.eventshop.broker.protocol.TestContexts;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.junit.jupiter.api.Test;

/** The quorum's description in DescribeQuorum's terms, in each version the handler advertises. */
class DescribeQuorumHandlerTest {

  static final QuorumDescription QUORUM =
      new QuorumDescription(
          2,
          5,
          40,
          List.of(
              new QuorumDescription.Replica(2, 41, -1, 1_000),
              new QuorumDescription.Replica(1, 41, 990, 990),
              new QuorumDescription.Replica(3, 30, 900, -1)),
          List.of(new QuorumDescription.Replica(4, 41, 995, 995)));

  static final Map<Integer, InetSocketAddress> VOTERS =
      Map.of(
          1, new InetSocketAddress("127.0.0.1", 19091),
          2, new InetSocketAddress("127.0.0.1", 19092),
          3, new InetSocketAddress("127.0.0.1", 19093));

  DescribeQuorumResponseData describe(
      DescribeQuorumHandler handler, TopicPartition asked, short version) throws Exception {
    DescribeQuorumRequest request =
        new DescribeQuorumRequest.Builder(DescribeQuorumRequest.singletonRequest(asked))
            .build(version);
    RequestContext context = TestContexts.of(ApiKeys.DESCRIBE_QUORUM, version, "PLAINTEXT");
    DescribeQuorumResponseData response =
        (DescribeQuorumResponseData) handler.handle(context, request).toCompletableFuture().get();
    MessageUtil.toByteBufferAccessor(response, version); // every version can carry it
    return response;
  }

  @Test
  void theLeadersViewInEveryVersionWithTheVotersEndpointsFromVersionTwo() throws Exception {
    DescribeQuorumHandler handler =
        new DescribeQuorumHandler(
            () -> CompletableFuture.completedFuture(QUORUM), VOTERS, "CONTROLLER");
    TopicPartition metadataLog = new TopicPartition("__cluster_metadata", 0);
    for (short version = 0; version <= 2; version++) {
      DescribeQuorumResponseData response = describe(handler, metadataLog, version);
      assertThat(response.errorCode()).isZero();
      PartitionData p = response.topics().get(0).partitions().get(0);
      assertThat(p.leaderId()).isEqualTo(2);
      assertThat(p.leaderEpoch()).isEqualTo(5);
      assertThat(p.highWatermark()).isEqualTo(40);
      assertThat(p.currentVoters())
          .extracting(
              DescribeQuorumResponseData.ReplicaState::replicaId,
              DescribeQuorumResponseData.ReplicaState::logEndOffset)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(2, 41L),
              org.assertj.core.groups.Tuple.tuple(1, 41L),
              org.assertj.core.groups.Tuple.tuple(3, 30L));
      assertThat(p.observers())
          .singleElement()
          .satisfies(o -> assertThat(o.replicaId()).isEqualTo(4));
      if (version >= 2) {
        assertThat(response.nodes()).hasSize(3);
        assertThat(response.nodes().find(3).listeners().find("CONTROLLER").port()).isEqualTo(19093);
      } else {
        assertThat(response.nodes()).isEmpty();
      }
    }
  }

  @Test
  void onlyTheMetadataLogIsDescribed() throws Exception {
    DescribeQuorumHandler handler =
        new DescribeQuorumHandler(
            () -> CompletableFuture.completedFuture(QUORUM), VOTERS, "CONTROLLER");
    DescribeQuorumResponseData response =
        describe(handler, new TopicPartition("orders", 0), (short) 2);
    assertThat(response.topics().get(0).partitions().get(0).errorCode())
        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
  }

  @Test
  void aQuorumWithoutALeaderIsARetriableErrorWithItsReason() throws Exception {
    DescribeQuorumHandler handler =
        new DescribeQuorumHandler(
            () -> CompletableFuture.failedFuture(new NotControllerException("no leader")),
            VOTERS,
            "CONTROLLER");
    DescribeQuorumResponseData response =
        describe(handler, new TopicPartition("__cluster_metadata", 0), (short) 2);
    assertThat(response.errorCode()).isEqualTo(Errors.NOT_CONTROLLER.code());
    assertThat(Errors.forCode(response.errorCode()).exception())
        .isInstanceOf(RetriableException.class);
    assertThat(response.errorMessage()).isEqualTo("no leader");
  }
}
