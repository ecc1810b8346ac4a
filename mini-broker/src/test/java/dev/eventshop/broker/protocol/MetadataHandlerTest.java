package dev.eventshop.broker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.Endpoint;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.TopicAutoCreation;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.junit.jupiter.api.Test;

/**
 * Metadata describes brokers and leaders by the listener the client came through. Broker 1 has an
 * INTERNAL and an EXTERNAL listener, broker 2 only INTERNAL (a configuration mistake Kafka
 * tolerates); broker 3 is fenced.
 */
class MetadataHandlerTest {

  static final ClusterMetadata CLUSTER =
      new ClusterMetadata(
          "cid",
          1,
          Map.of(
              1,
              new BrokerInfo(
                  1,
                  List.of(
                      new Endpoint("INTERNAL", "broker-1", 29092),
                      new Endpoint("EXTERNAL", "localhost", 9092)),
                  false),
              2,
              new BrokerInfo(2, List.of(new Endpoint("INTERNAL", "broker-2", 29092)), false),
              3,
              new BrokerInfo(3, List.of(new Endpoint("EXTERNAL", "localhost", 9094)), true)),
          Map.of(
              "t",
              new TopicInfo(
                  "t",
                  Uuid.randomUuid(),
                  List.of(
                      new PartitionInfo(0, List.of(1, 2), 1, 4, List.of(1, 2)),
                      new PartitionInfo(1, List.of(2, 1), 2, 4, List.of(2, 1)),
                      new PartitionInfo(2, List.of(3, 1), 3, 4, List.of(3))),
                  Map.of())));

  final MetadataHandler handler =
      new MetadataHandler(() -> CLUSTER, new TopicAutoCreation(null, false, 1, (short) 1));

  MetadataResponseData metadata(String listener, short version) throws Exception {
    MetadataRequest request =
        new MetadataRequest(
            new MetadataRequestData()
                .setTopics(List.of(new MetadataRequestTopic().setName("t")))
                .setAllowAutoTopicCreation(false),
            version);
    RequestContext context = TestContexts.of(ApiKeys.METADATA, version, listener);
    return (MetadataResponseData) handler.handle(context, request).toCompletableFuture().get();
  }

  static MetadataResponsePartition partition(MetadataResponseData response, int p) {
    return response.topics().iterator().next().partitions().get(p);
  }

  @Test
  void brokersAndLeadersAreDescribedByTheClientsListener() throws Exception {
    MetadataResponseData internal = metadata("INTERNAL", (short) 12);
    assertThat(internal.brokers())
        .extracting(MetadataResponseBroker::nodeId, MetadataResponseBroker::host)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(1, "broker-1"),
            org.assertj.core.groups.Tuple.tuple(2, "broker-2"));
    assertThat(partition(internal, 1).leaderId()).isEqualTo(2);

    MetadataResponseData external = metadata("EXTERNAL", (short) 12);
    assertThat(external.brokers())
        .extracting(MetadataResponseBroker::nodeId, MetadataResponseBroker::host)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "localhost"));
    assertThat(partition(external, 0).leaderId()).isEqualTo(1);
    assertThat(Errors.forCode(partition(external, 0).errorCode())).isEqualTo(Errors.NONE);
  }

  @Test
  void aLeaderWithoutTheClientsListenerIsNoUsableLeader() throws Exception {
    MetadataResponsePartition v12 = partition(metadata("EXTERNAL", (short) 12), 1);
    assertThat(Errors.forCode(v12.errorCode())).isEqualTo(Errors.LISTENER_NOT_FOUND);
    assertThat(v12.leaderId()).isEqualTo(-1);

    MetadataResponsePartition v5 = partition(metadata("EXTERNAL", (short) 5), 1);
    assertThat(Errors.forCode(v5.errorCode())).isEqualTo(Errors.LEADER_NOT_AVAILABLE);
  }

  @Test
  void aFencedLeaderIsNotAvailable() throws Exception {
    MetadataResponsePartition p = partition(metadata("EXTERNAL", (short) 12), 2);
    assertThat(Errors.forCode(p.errorCode())).isEqualTo(Errors.LEADER_NOT_AVAILABLE);
    assertThat(p.leaderId()).isEqualTo(-1);
  }
}
