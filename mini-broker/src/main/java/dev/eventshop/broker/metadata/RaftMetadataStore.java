package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataCodec.BrokerStatus;
import dev.eventshop.broker.metadata.MetadataCommand.AlterClientQuotas;
import dev.eventshop.broker.metadata.MetadataCommand.AlterIsr;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments.Target;
import dev.eventshop.broker.metadata.MetadataCommand.CreatePartitions;
import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.DeleteTopic;
import dev.eventshop.broker.metadata.MetadataCommand.ElectPartitionLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.RegisterBroker;
import dev.eventshop.broker.metadata.MetadataCommand.SetBrokerConfigs;
import dev.eventshop.broker.metadata.MetadataCommand.SetFeatureLevels;
import dev.eventshop.broker.metadata.MetadataCommand.SetTopicConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's metadata kept in a Raft quorum of the brokers themselves (like KRaft's combined
 * mode), on Apache Ratis. A node among {@code controller.quorum.voters} (a voter, {@code
 * process.roles=broker,controller}) runs one Raft peer of the group, with its log and snapshots in
 * {@code <log dir>/__raft}. The Raft leader is the controller ({@link ClusterController}); every
 * voter applies the same committed commands ({@link MetadataStateMachine}) and publishes the same
 * sequence of {@link ClusterMetadata} snapshots. The quorum survives the loss of any minority, its
 * leader included.
 *
 * <p>Any other node is a broker-only node, an observer ({@code process.roles=broker}), as in Kafka:
 * it is no Raft member and keeps no metadata log of its own, but fetches the committed commands
 * from the leader ({@link MetadataFetcher}) and applies them the same way. It registers,
 * heartbeats, hosts replicas and proposes changes like any broker.
 *
 * <p>Changes may be asked on any node: they travel through a Raft client to the leader, and a call
 * returns once the change is committed and applied on this node, so {@link #current()} already
 * shows it. A call that the quorum does not answer within the request timeout fails with a Kafka
 * {@link TimeoutException}; one that cannot reach a leader with {@link NotControllerException}.
 *
 * <p>Lifecycle: construct, {@link #addListener add listeners}, {@link #start()}; on shutdown {@link
 * #controlledShutdown(Duration)} then {@link #close()}. Thread-safe.
 */
public final class RaftMetadataStore implements MetadataStore {

  private static final Logger log = LoggerFactory.getLogger(RaftMetadataStore.class);

  /** One fixed group: the metadata quorum is the only Raft group of a mini-broker cluster. */
  static final RaftGroupId GROUP_ID =
      RaftGroupId.valueOf(
          UUID.nameUUIDFromBytes("mini-broker-metadata".getBytes(StandardCharsets.UTF_8)));

  // Raft timing. Ratis' leader heartbeats every half minimum election timeout; a follower that
  // hears nothing for a random time in [min, max) starts a (pre-)vote. These keep a leader failover
  // well under the broker session timeout while tolerating scheduling hiccups of a busy machine.
  static final Duration ELECTION_TIMEOUT_MIN = Duration.ofMillis(500);
  static final Duration ELECTION_TIMEOUT_MAX = Duration.ofMillis(1000);
  static final Duration FIRST_ELECTION_TIMEOUT_MIN = Duration.ofMillis(50);
  static final Duration FIRST_ELECTION_TIMEOUT_SPREAD = Duration.ofMillis(50);
  static final Duration FIRST_ELECTION_STAGGER = Duration.ofMillis(150);
  static final Duration SERVER_RPC_TIMEOUT = Duration.ofMillis(1500);
  static final Duration CLIENT_RPC_TIMEOUT = Duration.ofMillis(2000);
  static final int PROPOSAL_THREADS = 4;
  static final Duration LEADERSHIP_TRANSFER_TIMEOUT = Duration.ofSeconds(2);
  static final Duration LEADER_STEP_DOWN_WAIT = Duration.ofSeconds(3);
  // An async heartbeat has no calling thread to carry a deadline (DeadlineRetryPolicy), so it is
  // retried a few times, soon: enough for the client to follow a NotLeaderException to the leader,
  // or to try another voter when the one it asked is down (Ratis moves on only when it retries).
  private static final RetryPolicy HEARTBEAT_RETRY =
      RetryPolicies.retryUpToMaximumCountWithFixedSleep(
          3, TimeDuration.valueOf(20, TimeUnit.MILLISECONDS));

  private final Path raftDir;
  private final Path logDir;
  private final int nodeId;
  private final Map<Integer, InetSocketAddress> voters; // sorted by id
  private final QuorumSettings settings;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService proposals;
  private final boolean voter;
  private final AppliedMetadata applied;
  private final ClusterController controller; // voters only
  private final MetadataStateMachine stateMachine; // voters only
  private final BrokerLifecycle lifecycle; // null on a controller-only node
  private final CompletableFuture<Void> leaderKnown = new CompletableFuture<>();
  private final RaftGroup group;
  private RaftServer server; // voters only
  private MetadataFetcher fetcher; // observers only
  private volatile RaftClient commands;
  private volatile RaftClient heartbeats;
  private volatile RaftClient fetches; // observers only
  private volatile boolean started;
  private volatile boolean closed;
  private String recordedClusterId; // in meta.properties; changed only on the apply thread

  /**
   * @param logDir the first log directory: holds {@code meta.properties} and {@code __raft}
   * @param nodeId this broker's {@code node.id}: a voter when it is one of {@code voters}, else an
   *     observer
   * @param endpoints where clients reach this broker, one per advertised listener
   * @param voters {@code controller.quorum.voters}: node id to its Raft address
   */
  public RaftMetadataStore(
      Path logDir,
      int nodeId,
      List<ClusterMetadata.Endpoint> endpoints,
      Map<Integer, InetSocketAddress> voters,
      QuorumSettings settings) {
    this(logDir, nodeId, Optional.of(endpoints), voters, settings);
  }

  /**
   * @param endpoints where clients reach this broker, one per advertised listener; empty for a
   *     controller-only node ({@code process.roles=controller}), which registers no broker
   */
  public RaftMetadataStore(
      Path logDir,
      int nodeId,
      Optional<List<ClusterMetadata.Endpoint>> endpoints,
      Map<Integer, InetSocketAddress> voters,
      QuorumSettings settings) {
    this.voter = voters.containsKey(nodeId);
    if (endpoints.isEmpty() && !voter) {
      throw new IllegalArgumentException("node " + nodeId + " is neither broker nor voter");
    }
    this.logDir = logDir;
    this.raftDir = logDir.resolve("__raft");
    this.nodeId = nodeId;
    this.voters = Collections.unmodifiableMap(new TreeMap<>(voters)); // in id order
    this.settings = settings;
    String recorded;
    try {
      if (voter) {
        Files.createDirectories(raftDir);
      }
      recorded = MetaProperties.recordedClusterId(logDir, nodeId).orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the metadata quorum in " + logDir, e);
    }
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(daemon("metadata-quorum-" + nodeId));
    this.proposals =
        Executors.newFixedThreadPool(PROPOSAL_THREADS, daemon("metadata-proposals-" + nodeId));
    // A voter keeps as many commands for observers as its log holds between two snapshots.
    this.applied =
        new AppliedMetadata(
            recorded != null ? recorded : "",
            voter ? (int) Math.min(settings.snapshotThreshold(), 100_000) : 0);
    if (voter) {
      this.controller =
          new ClusterController(
              nodeId,
              settings,
              applied::state,
              this::propose,
              // A cluster grown from a single node keeps the id its first node already has.
              () -> recorded != null ? recorded : Uuid.randomUuid().toString(),
              System::nanoTime);
      this.stateMachine = new MetadataStateMachine(controller, applied);
    } else {
      this.controller = null;
      this.stateMachine = null;
    }
    this.recordedClusterId = recorded;
    this.lifecycle =
        endpoints
            .map(
                advertised ->
                    new BrokerLifecycle(
                        new RegisterBroker(nodeId, advertised),
                        settings,
                        this::propose,
                        this::sendHeartbeat,
                        applied::markCaughtUp))
            .orElse(null);
    this.group = RaftGroup.valueOf(GROUP_ID, peers(this.voters));
    applied.addListener(this::recordClusterId);
  }

  /**
   * Starts this node's Raft peer (a voter) or its fetching of the metadata log (an observer), then
   * a broker registers and heartbeats in the background.
   */
  public synchronized void start() throws IOException {
    if (started) {
      return;
    }
    started = true;
    RaftProperties properties = raftProperties();
    if (voter) {
      startPeer(properties);
    }
    commands = client(properties);
    if (lifecycle != null) {
      // A heartbeat that cannot get through soon is dropped: a newer one follows.
      RaftProperties heartbeatProperties = raftProperties();
      RaftClientConfigKeys.Rpc.setRequestTimeout(heartbeatProperties, millis(heartbeatTimeout()));
      // A controller-only node never heartbeats.
      heartbeats = client(heartbeatProperties, HEARTBEAT_RETRY);
    }
    if (voter) {
      controller.start(scheduler);
    } else {
      RaftProperties fetchProperties = raftProperties();
      RaftClientConfigKeys.Rpc.setRequestTimeout(
          fetchProperties, millis(MetadataFetcher.MAX_WAIT.plus(CLIENT_RPC_TIMEOUT)));
      fetches = client(fetchProperties);
      fetcher = new MetadataFetcher(nodeId, applied, this::fetch);
      fetcher.start();
    }
    if (lifecycle != null) {
      lifecycle.start(scheduler);
    } else {
      awaitLeader();
    }
    log.info(
        "metadata quorum {} {} started{}; voters {}",
        voter ? "peer" : "observer",
        nodeId,
        voter ? " at " + voters.get(nodeId) : "",
        voters);
  }

  private void startPeer(RaftProperties properties) throws IOException {
    InetSocketAddress self = voters.get(nodeId);
    GrpcConfigKeys.Server.setHost(properties, self.getHostString());
    GrpcConfigKeys.Server.setPort(properties, self.getPort());
    // Staggered first elections: at cluster start the lowest id tries first, so three nodes that
    // start together rarely split their votes. Later elections use the random timeouts.
    int rank = new ArrayList<>(voters.keySet()).indexOf(nodeId);
    Duration firstMin = FIRST_ELECTION_TIMEOUT_MIN.plus(FIRST_ELECTION_STAGGER.multipliedBy(rank));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, millis(firstMin));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(
        properties, millis(firstMin.plus(FIRST_ELECTION_TIMEOUT_SPREAD)));
    server =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(String.valueOf(nodeId)))
            .setGroup(group)
            .setProperties(properties)
            .setParameters(new Parameters())
            .setStateMachine(stateMachine)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
    server.start();
  }

  /**
   * Completes once this node does its part: a broker once it is registered and has caught up with
   * the metadata, a controller-only node once the quorum has a leader.
   */
  public CompletableFuture<Void> ready() {
    return lifecycle != null ? lifecycle.registered() : leaderKnown;
  }

  /** A controller-only node: asks the quorum for its leader until one answers. */
  private void awaitLeader() {
    if (closed || leaderKnown.isDone()) {
      return;
    }
    describeQuorum()
        .whenComplete(
            (quorum, error) -> {
              if (error == null && quorum.leaderId() >= 0) {
                applied.markCaughtUp();
                leaderKnown.complete(null);
              } else {
                try {
                  scheduler.schedule(this::awaitLeader, 200, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                  // closed meanwhile
                }
              }
            });
  }

  /** Whether this node is currently the active controller (the Raft leader, ready). */
  public boolean isActiveController() {
    return controller != null && controller.isActive();
  }

  @Override
  public ClusterMetadata current() {
    return applied.published();
  }

  @Override
  public void addListener(Consumer<ClusterMetadata> listener) {
    applied.addListener(listener);
  }

  @Override
  public TopicInfo createTopic(
      String name,
      int partitions,
      short replicationFactor,
      Map<String, String> configs,
      boolean validateOnly) {
    TopicNames.validate(name);
    if (partitions < 1) {
      throw new InvalidPartitionsException("Number of partitions must be larger than 0.");
    }
    if (replicationFactor < 1) {
      throw new InvalidReplicationFactorException("Replication factor must be larger than 0.");
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    CreateTopic command =
        new CreateTopic(
            name,
            Uuid.randomUuid(),
            partitions,
            replicationFactor,
            Map.copyOf(configs),
            random.nextInt(1 << 16),
            random.nextInt(1 << 16));
    if (validateOnly) {
      return MetadataApplier.plannedTopic(applied.state(), command);
    }
    await(propose(command));
    return applied
        .state()
        .topic(name)
        .filter(t -> t.id().equals(command.topicId()))
        .orElseThrow(() -> new NotControllerException("topic " + name + " changed meanwhile"));
  }

  @Override
  public void deleteTopic(String name) {
    await(propose(new DeleteTopic(name)));
  }

  @Override
  public void createPartitions(String name, int totalPartitions, boolean validateOnly) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    CreatePartitions command =
        new CreatePartitions(
            name, totalPartitions, random.nextInt(1 << 16), random.nextInt(1 << 16));
    if (validateOnly) {
      MetadataApplier.Outcome outcome = MetadataApplier.apply(applied.state(), command);
      if (!outcome.result().isOk()) {
        throw outcome.result().toException();
      }
      return;
    }
    await(propose(command));
  }

  @Override
  public void setTopicConfigs(String name, Map<String, String> configs) {
    await(propose(new SetTopicConfigs(name, Map.copyOf(configs))));
  }

  @Override
  public void setBrokerConfigs(String broker, Map<String, String> configs) {
    await(propose(new SetBrokerConfigs(broker, configs)));
  }

  @Override
  public void setFeatureLevels(Map<String, Short> levels) {
    await(propose(new SetFeatureLevels(levels)));
  }

  @Override
  public Map<TopicPartition, ApiError> alterPartitionReassignments(
      Map<TopicPartition, Optional<List<Integer>>> targets, boolean allowReplicationFactorChange) {
    Map<TopicPartition, ApiError> outcome =
        Reassignments.whyNot(
            applied.state(),
            targets,
            allowReplicationFactorChange,
            settings.uncleanLeaderElection());
    List<Target> due =
        targets.entrySet().stream()
            .filter(e -> outcome.get(e.getKey()).isSuccess())
            .map(
                e ->
                    new Target(
                        e.getKey().topic(), e.getKey().partition(), e.getValue().orElse(null)))
            .toList();
    if (due.isEmpty()) {
      return outcome;
    }
    try {
      await(
          propose(
              new AlterPartitionReassignments(
                  due, allowReplicationFactorChange, settings.uncleanLeaderElection())));
    } catch (ApiException e) {
      due.forEach(t -> outcome.put(t.topicPartition(), ApiError.fromThrowable(e)));
      return outcome;
    }
    // Applied here too by now. A change that another one overtook says why it no longer applies.
    for (Target t : due) {
      TopicPartition tp = t.topicPartition();
      if (!Reassignments.isApplied(applied.state(), tp, targets.get(tp))) {
        ApiException why =
            Reassignments.whyNot(
                applied.state(),
                tp,
                t.replicas(),
                allowReplicationFactorChange,
                settings.uncleanLeaderElection());
        outcome.put(tp, why == null ? ApiError.NONE : ApiError.fromThrowable(why));
      }
    }
    return outcome;
  }

  @Override
  public Map<TopicPartition, Errors> electLeaders(
      boolean unclean, Collection<TopicPartition> partitions) {
    Map<TopicPartition, Errors> outcome =
        LeaderElection.whyNot(applied.state(), partitions, unclean);
    List<TopicPartition> due =
        outcome.keySet().stream().filter(tp -> outcome.get(tp) == Errors.NONE).toList();
    if (due.isEmpty()) {
      return outcome;
    }
    try {
      await(propose(new ElectPartitionLeaders(unclean, due)));
    } catch (ApiException e) {
      due.forEach(tp -> outcome.put(tp, Errors.forException(e)));
      return outcome;
    }
    // Applied here too by now. An election that changed nothing says why (the preferred replica
    // fell out of sync meanwhile, say).
    for (TopicPartition tp : due) {
      Errors after = LeaderElection.whyNot(applied.state(), tp, unclean);
      outcome.put(
          tp,
          switch (after) {
            case ELECTION_NOT_NEEDED -> Errors.NONE; // it has the leader asked for
            case NONE ->
                unclean
                    ? Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE
                    : Errors.PREFERRED_LEADER_NOT_AVAILABLE;
            default -> after;
          });
    }
    return outcome;
  }

  @Override
  public CompletableFuture<ApiError> alterIsr(
      TopicPartition partition, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
    AlterIsr command =
        new AlterIsr(
            partition.topic(),
            partition.partition(),
            nodeId,
            leaderEpoch,
            partitionEpoch,
            List.copyOf(isr));
    return propose(command)
        .handle(
            (result, error) -> {
              if (error != null) {
                throw new CompletionException(kafkaError(error));
              }
              return new ApiError(result.error(), result.message());
            });
  }

  @Override
  public Map<ClientQuotas.Entity, ApiError> alterClientQuotas(
      Map<ClientQuotas.Entity, Map<String, Double>> alterations, boolean validateOnly) {
    Map<ClientQuotas.Entity, ApiError> outcome = new LinkedHashMap<>();
    Map<ClientQuotas.Entity, Map<String, Double>> due = new LinkedHashMap<>();
    alterations.forEach(
        (entity, ops) -> {
          ApiError why = ClientQuotas.whyNot(entity, ops);
          outcome.put(entity, why);
          if (why.isSuccess()) {
            due.put(entity, ops);
          }
        });
    if (validateOnly || due.isEmpty()) {
      return outcome;
    }
    try {
      await(propose(new AlterClientQuotas(due)));
    } catch (ApiException e) {
      due.keySet().forEach(entity -> outcome.put(entity, ApiError.fromThrowable(e)));
    }
    return outcome;
  }

  /**
   * The metadata quorum as its leader describes it (Kafka's DescribeQuorum): fails with a Kafka
   * error when no leader answers within a client request timeout (Admin retries).
   */
  public CompletableFuture<QuorumDescription> describeQuorum() {
    RaftClient client = commands;
    if (client == null || closed) {
      return CompletableFuture.failedFuture(
          new NotControllerException("metadata quorum not running"));
    }
    byte[] query = MetadataCodec.encodeDescribeQuorum();
    return supplyAsync(
            () -> send(CLIENT_RPC_TIMEOUT, () -> client.io().sendReadOnly(message(query))),
            proposals)
        .orTimeout(CLIENT_RPC_TIMEOUT.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (reply, error) -> {
              if (error != null) {
                throw new CompletionException(kafkaError(error));
              }
              return MetadataCodec.decodeQuorum(bytes(reply));
            });
  }

  /** The Raft address of each voter, by node id. */
  public Map<Integer, InetSocketAddress> voters() {
    return voters;
  }

  @Override
  public void controlledShutdown(Duration timeout) {
    synchronized (this) {
      if (!started || closed) {
        return;
      }
    }
    if (lifecycle != null) {
      lifecycle.controlledShutdown(timeout);
    }
    if (isActiveController()) {
      resignAsController();
    }
  }

  /**
   * Hands Raft leadership to another live voter, as a KRaft controller resigns when it shuts down:
   * the others then need not wait for an election timeout to notice that the leader is gone. Each
   * live voter is asked in turn (a busy one may not take over in time) until one does.
   */
  private void resignAsController() {
    ClusterMetadata metadata = applied.state();
    // Voters that are live brokers first; then controller-only voters, which never register, so
    // whether they are up is not known here (a dead one costs one transfer timeout).
    List<Integer> successors = new ArrayList<>();
    for (boolean registered : new boolean[] {true, false}) {
      for (int id : voters.keySet()) {
        ClusterMetadata.BrokerInfo broker = metadata.brokers().get(id);
        boolean candidate = registered ? broker != null && !broker.fenced() : broker == null;
        if (id != nodeId && candidate) {
          successors.add(id);
        }
      }
    }
    for (int successor : successors) {
      try {
        RaftClientReply reply =
            DeadlineRetryPolicy.call(
                LEADERSHIP_TRANSFER_TIMEOUT,
                () ->
                    commands
                        .admin()
                        .transferLeadership(
                            RaftPeerId.valueOf(String.valueOf(successor)),
                            LEADERSHIP_TRANSFER_TIMEOUT.toMillis()));
        if (reply.isSuccess()) {
          log.info("node {} handed the controller role to node {}", nodeId, successor);
          return;
        }
        log.info("node {} could not hand the controller role to node {}", nodeId, successor);
      } catch (IOException e) {
        log.info(
            "node {} could not hand the controller role to node {}: {}",
            nodeId,
            successor,
            e.toString());
      }
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    closeQuietly(fetcher);
    closeQuietly(commands); // fails calls in flight, so the threads below finish
    closeQuietly(heartbeats);
    closeQuietly(fetches);
    proposals.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
      proposals.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(server);
    if (!voter) {
      applied.close(new IOException("metadata quorum observer closed"));
    }
    log.info("metadata quorum {} {} stopped", voter ? "peer" : "observer", nodeId);
  }

  // ---- the quorum

  /**
   * Writes {@code command} through the leader; completes with its result once it is applied on this
   * node too, or exceptionally when the quorum does not answer within the request timeout.
   */
  CompletableFuture<CommandResult> propose(MetadataCommand command) {
    RaftClient client = commands;
    if (client == null || closed) {
      return CompletableFuture.failedFuture(
          new NotControllerException("metadata quorum not running"));
    }
    // Ratis' blocking client (on our own threads) retries quietly; its async client logs every
    // retry (each election) as an error.
    return supplyAsync(
            () ->
                send(
                    settings.requestTimeout(),
                    () -> client.io().send(message(MetadataCodec.encode(command)))),
            proposals)
        .thenCompose(
            reply -> {
              CommandResult result = MetadataCodec.decodeResult(bytes(reply));
              return applied.awaitApplied(reply.getLogIndex()).thenApply(reached -> result);
            })
        .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One heartbeat to the controller. It travels on the heartbeat client's one long-lived gRPC
   * stream to the leader (Ratis' unordered async requests), not as a blocking call, which opens a
   * stream per request and ties up a thread: heartbeats are most of an idle cluster's traffic. The
   * active controller records its own heartbeat directly.
   */
  private CompletableFuture<BrokerStatus> sendHeartbeat() {
    if (controller != null && controller.isActive()) {
      return CompletableFuture.completedFuture(controller.onHeartbeat(nodeId));
    }
    RaftClient client = heartbeats;
    if (client == null || closed) {
      return CompletableFuture.failedFuture(
          new NotControllerException("metadata quorum not running"));
    }
    return client
        .async()
        .sendReadOnlyUnordered(message(MetadataCodec.encodeHeartbeat(nodeId)))
        .thenApply(
            reply -> {
              if (!reply.isSuccess()) {
                throw new CompletionException(reply.getException());
              }
              return MetadataCodec.decodeStatus(bytes(reply));
            })
        .orTimeout(heartbeatTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An observer's fetch of the metadata log after {@code afterIndex}, from the leader. */
  private AppliedMetadata.Changes fetch(long afterIndex) {
    byte[] query = MetadataCodec.encodeFetch(nodeId, afterIndex, MetadataFetcher.MAX_WAIT);
    RaftClientReply reply =
        send(
            MetadataFetcher.MAX_WAIT.plus(CLIENT_RPC_TIMEOUT),
            () -> fetches.io().sendReadOnly(message(query)));
    return MetadataCodec.decodeChanges(bytes(reply));
  }

  /**
   * How long one heartbeat may take: long enough to get through on a busy machine, short enough
   * that a broker still gets a second try within its session.
   */
  private Duration heartbeatTimeout() {
    Duration half = settings.sessionTimeout().dividedBy(2);
    Duration two = settings.heartbeatInterval().multipliedBy(2);
    return half.compareTo(two) > 0 ? half : two;
  }

  private static <T> CompletableFuture<T> supplyAsync(Supplier<T> task, ExecutorService executor) {
    try {
      return CompletableFuture.supplyAsync(task, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new NotControllerException("metadata quorum closed"));
    }
  }

  private static RaftClientReply send(
      Duration deadline, DeadlineRetryPolicy.RaftCall<RaftClientReply> call) {
    RaftClientReply reply;
    try {
      reply = DeadlineRetryPolicy.call(deadline, call);
    } catch (IOException e) {
      throw new CompletionException(e);
    }
    if (!reply.isSuccess()) {
      throw new CompletionException(reply.getException());
    }
    return reply;
  }

  /** Waits for a proposal and turns its outcome into the Kafka error the caller expects. */
  private void await(CompletableFuture<CommandResult> proposal) {
    CommandResult result;
    try {
      result = proposal.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TimeoutException("interrupted while waiting for the metadata quorum");
    } catch (ExecutionException e) {
      throw kafkaError(e.getCause());
    }
    if (!result.isOk()) {
      throw result.toException();
    }
  }

  private ApiException kafkaError(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ApiException api) {
      return api;
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new TimeoutException(
          "the metadata quorum did not commit the change within " + settings.requestTimeout());
    }
    return new NotControllerException("the metadata quorum is not reachable: " + cause);
  }

  /** Records the quorum's cluster id in meta.properties once it is known (Kafka does the same). */
  private void recordClusterId(ClusterMetadata metadata) {
    String quorumId = applied.state().clusterId();
    if (quorumId == null || quorumId.equals(recordedClusterId)) {
      return;
    }
    if (recordedClusterId == null) {
      try {
        MetaProperties.record(logDir, nodeId, quorumId);
      } catch (IOException e) {
        log.error("cannot record cluster id {} in {}", quorumId, logDir, e);
        return;
      }
    } else {
      log.error(
          "{} belongs to cluster {} but the metadata quorum is cluster {}; not overwriting it",
          logDir,
          recordedClusterId,
          quorumId);
    }
    recordedClusterId = quorumId; // recorded, or reported once
  }

  private RaftClient client(RaftProperties properties) {
    return client(properties, new DeadlineRetryPolicy());
  }

  private RaftClient client(RaftProperties properties, RetryPolicy retryPolicy) {
    return RaftClient.newBuilder()
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setProperties(properties)
        .setParameters(new Parameters())
        .setRetryPolicy(retryPolicy)
        .build();
  }

  private RaftProperties raftProperties() {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftServerConfigKeys.setStorageDir(p, List.of(raftDir.toFile()));
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(ELECTION_TIMEOUT_MIN));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(ELECTION_TIMEOUT_MAX));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, millis(SERVER_RPC_TIMEOUT));
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, millis(LEADER_STEP_DOWN_WAIT));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.DEFAULT);
    // The leader retries a follower that stopped answering every 100 ms (Ratis' default backs off
    // to 1 s and then 5 s), so a restarted broker catches up and registers promptly.
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, "1ms,10, 100ms,600, 1s,100000");
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, settings.snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.max(1, settings.snapshotThreshold() / 4));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("1MB"));
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("64KB"));
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(CLIENT_RPC_TIMEOUT));
    return p;
  }

  private static List<RaftPeer> peers(Map<Integer, InetSocketAddress> voters) {
    List<RaftPeer> peers = new ArrayList<>();
    voters.forEach(
        (id, address) ->
            peers.add(
                RaftPeer.newBuilder()
                    .setId(String.valueOf(id))
                    .setAddress(address.getHostString() + ":" + address.getPort())
                    .build()));
    return peers;
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static TimeDuration millis(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Message message(byte[] bytes) {
    return Message.valueOf(ByteString.copyFrom(bytes));
  }

  private static byte[] bytes(RaftClientReply reply) {
    return reply.getMessage().getContent().toByteArray();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      log.warn("closing {} failed: {}", closeable, e.toString());
    }
  }
}
