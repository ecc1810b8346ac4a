package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.coordinator.FindCoordinatorHandler;
import dev.eventshop.broker.coordinator.LogCoordinatorTopic;
import dev.eventshop.broker.coordinator.ManualTimer;
import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.PartitionAdder;
import dev.eventshop.broker.protocol.RequestContext;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A group coordinator over real logs in a temporary directory, driven through its API handlers with
 * every request and response passing through the wire format of the version used.
 */
final class GroupHarness implements AutoCloseable {

  static final Node NODE = new Node(1, "127.0.0.1", 9092);

  final Path dir;
  final GroupConfig config;
  final ManualTimer timer = new ManualTimer();
  LogCoordinatorTopic topic;
  GroupCoordinator coordinator;
  private Map<ApiKeys, ApiHandler<?>> handlers;

  /** Whether the cluster's group.version turns the consumer group protocol on. */
  volatile boolean consumerProtocol = true;

  /** What TxnOffsetCommit v5 added to transactions (transaction version 2), and the answer. */
  final List<org.apache.kafka.common.TopicPartition> addedToTransactions =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  volatile Errors addAnswer = Errors.NONE;

  private final PartitionAdder adder =
      (transactionalId, producerId, epoch, partitions) -> {
        addedToTransactions.addAll(partitions);
        Map<org.apache.kafka.common.TopicPartition, Errors> answers = new java.util.HashMap<>();
        partitions.forEach(tp -> answers.put(tp, addAnswer));
        return java.util.concurrent.CompletableFuture.completedFuture(answers);
      };
  private int correlationId;

  /** The cluster's topics as consumer groups (KIP-848) see them; tests add and grow topics. */
  final Map<String, TopicCatalog.Topic> topics = new java.util.concurrent.ConcurrentHashMap<>();

  private final TopicCatalog catalog =
      new TopicCatalog() {
        @Override
        public Optional<Topic> topic(String name) {
          return Optional.ofNullable(topics.get(name));
        }

        @Override
        public java.util.Collection<String> names() {
          return List.copyOf(topics.keySet());
        }
      };

  private final java.util.function.UnaryOperator<CoordinatorTopic> wrapTopic;

  GroupHarness(Path dir, GroupConfig config) {
    this(dir, config, t -> t);
  }

  /** With {@code wrapTopic} standing between the coordinator and the logs (to delay appends). */
  GroupHarness(
      Path dir, GroupConfig config, java.util.function.UnaryOperator<CoordinatorTopic> wrapTopic) {
    this.dir = dir;
    this.config = config;
    this.wrapTopic = wrapTopic;
    open();
  }

  /** Session timeouts 6 s..300 s, 3 offsets partitions, 7 days retention. */
  static GroupConfig config(int initialRebalanceDelayMs) {
    return new GroupConfig(
        initialRebalanceDelayMs,
        6_000,
        300_000,
        3,
        7L * 24 * 3600 * 1000,
        600_000,
        4096,
        GroupConfig.ConsumerProtocol.DEFAULTS);
  }

  /** {@link #config(int) config(0)} with these consumer group (KIP-848) settings. */
  static GroupConfig config(GroupConfig.ConsumerProtocol consumer) {
    GroupConfig base = config(0);
    return new GroupConfig(
        base.initialRebalanceDelayMs(),
        base.minSessionTimeoutMs(),
        base.maxSessionTimeoutMs(),
        base.offsetsTopicPartitions(),
        base.offsetsRetentionMs(),
        base.offsetsRetentionCheckIntervalMs(),
        base.offsetMetadataMaxBytes(),
        consumer);
  }

  private void open() {
    topic = new LogCoordinatorTopic(dir, OffsetsTopic.NAME, config.offsetsTopicPartitions());
    coordinator = new GroupCoordinator(config, wrapTopic.apply(topic), timer, catalog);
    handlers = new EnumMap<>(ApiKeys.class);
    for (ApiHandler<?> h : GroupApis.handlers(coordinator, () -> consumerProtocol, adder)) {
      handlers.put(h.apiKey(), h);
    }
    handlers.put(
        ApiKeys.FIND_COORDINATOR,
        new FindCoordinatorHandler(
            FindCoordinatorHandler.Locator.of(
                "group", coordinator::partitionFor, (p, listener) -> Optional.of(NODE)),
            FindCoordinatorHandler.Locator.of(
                "transactional id", id -> 0, (p, listener) -> Optional.of(NODE))));
  }

  /** Closes the coordinator and its logs, then opens both again from disk: a broker restart. */
  void restart() {
    coordinator.close();
    topic.close();
    open();
  }

  void advance(long ms) {
    timer.advance(ms);
  }

  ApiHandler<?> handler(ApiKeys key) {
    return handlers.get(key);
  }

  /**
   * Sends {@code data} as a request of {@code version}; the response as a client would parse it.
   */
  @SuppressWarnings("unchecked")
  <T extends ApiMessage> CompletableFuture<T> send(ApiKeys key, int version, ApiMessage data) {
    short v = (short) version;
    ByteBuffer wire = MessageUtil.toByteBufferAccessor(data, v).buffer();
    AbstractRequest request =
        AbstractRequest.parseRequest(key, v, new ByteBufferAccessor(wire)).request;
    RequestHeader header = new RequestHeader(key, v, "client", ++correlationId);
    RequestContext context =
        new RequestContext(
            header, "test-connection", new InetSocketAddress("127.0.0.1", 50000), "PLAINTEXT");
    ApiHandler<AbstractRequest> handler = (ApiHandler<AbstractRequest>) handlers.get(key);
    return handler
        .handle(context, request)
        .toCompletableFuture()
        .thenApply(
            response -> {
              ByteBuffer out = MessageUtil.toByteBufferAccessor(response, v).buffer();
              return (T) AbstractResponse.parseResponse(key, new ByteBufferAccessor(out), v).data();
            });
  }

  /** The value of a response that must already be there: a test never waits on a clock. */
  <T> T done(CompletableFuture<T> f) {
    if (!f.isDone()) {
      throw new AssertionError("the response is still pending");
    }
    return f.join();
  }

  <T extends ApiMessage> T call(ApiKeys key, int version, ApiMessage data) {
    CompletableFuture<T> f = send(key, version, data);
    if (!f.isDone()) {
      throw new AssertionError(key + " did not complete");
    }
    return f.join();
  }

  // ------------------------------------------------------------- consumer-like helpers

  static byte[] subscription(String... topics) {
    ByteBuffer b = ConsumerProtocol.serializeSubscription(new Subscription(List.of(topics)));
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return bytes;
  }

  static JoinGroupRequestData joinData(
      String group, String memberId, String instanceId, String... protocols) {
    JoinGroupRequestProtocolCollection c = new JoinGroupRequestProtocolCollection();
    for (String p : protocols) {
      c.add(new JoinGroupRequestProtocol().setName(p).setMetadata(subscription("orders")));
    }
    return new JoinGroupRequestData()
        .setGroupId(group)
        .setMemberId(memberId)
        .setGroupInstanceId(instanceId)
        .setProtocolType("consumer")
        .setSessionTimeoutMs(10_000)
        .setRebalanceTimeoutMs(30_000)
        .setProtocols(c);
  }

  CompletableFuture<JoinGroupResponseData> join(int version, JoinGroupRequestData data) {
    return send(ApiKeys.JOIN_GROUP, version, data);
  }

  /** A new dynamic member's two-phase join (v9): returns the pending second JoinGroup. */
  CompletableFuture<JoinGroupResponseData> joinNew(String group) {
    JoinGroupResponseData first = call(ApiKeys.JOIN_GROUP, 9, joinData(group, "", null, "range"));
    if (Errors.forCode(first.errorCode()) != Errors.MEMBER_ID_REQUIRED) {
      throw new AssertionError(
          "expected MEMBER_ID_REQUIRED, got " + Errors.forCode(first.errorCode()));
    }
    return join(9, joinData(group, first.memberId(), null, "range"));
  }

  CompletableFuture<SyncGroupResponseData> sync(
      String group, int generation, String memberId, Map<String, byte[]> assignments) {
    SyncGroupRequestData data =
        new SyncGroupRequestData()
            .setGroupId(group)
            .setGenerationId(generation)
            .setMemberId(memberId)
            .setProtocolType("consumer")
            .setProtocolName("range");
    assignments.forEach(
        (m, a) ->
            data.assignments()
                .add(new SyncGroupRequestAssignment().setMemberId(m).setAssignment(a)));
    return send(ApiKeys.SYNC_GROUP, 5, data);
  }

  Errors heartbeat(String group, int generation, String memberId) {
    return heartbeat(group, generation, memberId, null);
  }

  Errors heartbeat(String group, int generation, String memberId, String instanceId) {
    HeartbeatResponseData r =
        call(
            ApiKeys.HEARTBEAT,
            4,
            new HeartbeatRequestData()
                .setGroupId(group)
                .setGenerationId(generation)
                .setMemberId(memberId)
                .setGroupInstanceId(instanceId));
    return Errors.forCode(r.errorCode());
  }

  @Override
  public void close() {
    coordinator.close();
    topic.close();
  }
}
