package dev.eventshop.broker.server;

import dev.eventshop.broker.admin.AdminHandlers;
import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.coordinator.FindCoordinatorHandler;
import dev.eventshop.broker.group.GroupApis;
import dev.eventshop.broker.group.GroupConfig;
import dev.eventshop.broker.group.GroupCoordinator;
import dev.eventshop.broker.group.OffsetsTopic;
import dev.eventshop.broker.group.TopicCatalog;
import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.LogStore;
import dev.eventshop.broker.metadata.ClientQuotas;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.Endpoint;
import dev.eventshop.broker.metadata.LocalMetadataStore;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.metadata.QuorumSettings;
import dev.eventshop.broker.metadata.RaftMetadataStore;
import dev.eventshop.broker.metadata.SupportedFeature;
import dev.eventshop.broker.metadata.TopicAutoCreation;
import dev.eventshop.broker.network.SocketServer;
import dev.eventshop.broker.producer.InitProducerIdHandler;
import dev.eventshop.broker.producer.LocalProducerIdAllocator;
import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.ApiTable;
import dev.eventshop.broker.protocol.ApiVersionsHandler;
import dev.eventshop.broker.protocol.DeleteRecordsHandler;
import dev.eventshop.broker.protocol.DescribeProducersHandler;
import dev.eventshop.broker.protocol.FetchHandler;
import dev.eventshop.broker.protocol.ListOffsetsHandler;
import dev.eventshop.broker.protocol.MetadataHandler;
import dev.eventshop.broker.protocol.OffsetForLeaderEpochHandler;
import dev.eventshop.broker.protocol.PartitionAdder;
import dev.eventshop.broker.protocol.ProduceHandler;
import dev.eventshop.broker.quota.ClientQuotaManager;
import dev.eventshop.broker.quota.ReplicationThrottles;
import dev.eventshop.broker.replication.FetchPurgatory;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import dev.eventshop.broker.transaction.AddOffsetsToTxnHandler;
import dev.eventshop.broker.transaction.AddPartitionsToTxnHandler;
import dev.eventshop.broker.transaction.DescribeTransactionsHandler;
import dev.eventshop.broker.transaction.EndTxnHandler;
import dev.eventshop.broker.transaction.ListTransactionsHandler;
import dev.eventshop.broker.transaction.TransactionConfig;
import dev.eventshop.broker.transaction.TransactionCoordinator;
import dev.eventshop.broker.transaction.TransactionMarkerSender;
import dev.eventshop.broker.transaction.TransactionPartitionAdder;
import dev.eventshop.broker.transaction.WriteTxnMarkersHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mini-broker node: wires storage, metadata, replicas, coordinators and protocol handlers
 * together and serves them on the configured listeners. {@link #start()} returns once clients can
 * connect; {@link #close()} stops serving and closes every log cleanly.
 */
public final class Broker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Broker.class);

  private final BrokerConfig config;
  private final List<InetSocketAddress> boundAddresses = new ArrayList<>();
  private SocketServer socketServer;
  private volatile ApiTable apis;
  private ScheduledExecutorService scheduler;
  private MetadataStore metadataStore;
  private Replicas replicas;
  private GroupCoordinator groupCoordinator;
  private TransactionCoordinator transactionCoordinator;
  private TransactionMarkerSender markerSender;
  private TransactionPartitionAdder partitionAdder;
  private boolean closed;
  private boolean controlledShutdown = true;

  public Broker(BrokerConfig config) {
    this.config = config;
  }

  public Broker start() throws InterruptedException {
    java.util.concurrent.ScheduledThreadPoolExecutor timers =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            2,
            r -> {
              Thread t = new Thread(r, "mini-broker-scheduler");
              t.setDaemon(true);
              return t;
            });
    // Heartbeats cancel and reschedule session timers all the time: drop cancelled tasks at once.
    timers.setRemoveOnCancelPolicy(true);
    scheduler = timers;
    if (config.controllerOnly()) {
      // A voter of the metadata quorum (and the controller when it leads), with no broker in it:
      // no client listener, no partitions, no registration.
      metadataStore = startQuorum(Optional.empty());
      return this;
    }
    // Lambdas, not method references: the table and the metadata store are made below. The table
    // is set after the store, so a request that finds the table finds the store.
    ApiVersionsHandler apiVersions =
        new ApiVersionsHandler(() -> apis, () -> metadataStore.current());
    socketServer = new SocketServer(config.getInt(BrokerProperty.NUM_NETWORK_THREADS));
    try {
      for (Listener listener : config.listeners().client()) {
        boundAddresses.add(
            socketServer.bind(
                listener,
                () -> apis,
                apiVersions,
                config.getInt(BrokerProperty.SOCKET_REQUEST_MAX_BYTES)));
      }
      apis = new ApiTable(buildHandlers(apiVersions));
    } catch (Exception e) {
      // Netty rethrows a failed bind (BindException) unchecked, whatever its type.
      close();
      if (e instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      throw e instanceof RuntimeException runtime
          ? runtime
          : new IllegalStateException("cannot start: " + e, e);
    }
    return this;
  }

  private List<ApiHandler<?>> buildHandlers(ApiVersionsHandler apiVersions) {
    Map<String, String> brokerDefaults = config.asStrings();
    FetchPurgatory purgatory = new FetchPurgatory(scheduler);
    LogStore logStore =
        new LogStore(
            config.logDirs(),
            scheduler,
            config.getLong(BrokerProperty.LOG_RETENTION_CHECK_INTERVAL_MS),
            config.getLong(BrokerProperty.LOG_CLEANER_BACKOFF_MS),
            config.getLong(BrokerProperty.PRODUCER_ID_EXPIRATION_MS),
            config.getLong(BrokerProperty.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS));
    ReplicationThrottles throttles =
        new ReplicationThrottles(config.nodeId(), () -> metadataStore.current());
    replicas =
        new Replicas(
            config.nodeId(),
            logStore,
            overrides -> LogConfig.of(brokerDefaults, overrides),
            purgatory::onHighWatermarkChange,
            // A lambda, not a method reference: the store is made below, after the replicas.
            (tp, epoch, partitionEpoch, isr) ->
                metadataStore.alterIsr(tp, epoch, partitionEpoch, isr),
            config.listeners().interBroker(),
            scheduler,
            config.getLong(BrokerProperty.REPLICA_LAG_TIME_MAX_MS),
            throttles.follower());
    List<Endpoint> advertised = advertisedEndpoints();
    if (config.quorumVoters().isEmpty()) {
      metadataStore = new LocalMetadataStore(config.logDirs().get(0), config.nodeId(), advertised);
      replicas.apply(metadataStore.current());
      metadataStore.addListener(replicas::apply);
    } else {
      metadataStore = startQuorum(Optional.of(advertised));
    }
    TopicAutoCreation autoCreation =
        new TopicAutoCreation(
            metadataStore,
            config.getBoolean(BrokerProperty.AUTO_CREATE_TOPICS_ENABLE),
            config.getInt(BrokerProperty.NUM_PARTITIONS),
            (short) config.getInt(BrokerProperty.DEFAULT_REPLICATION_FACTOR));

    // Partition leaders and group coordinators add partitions to transactions of version 2; the
    // adder needs the transaction coordinator, made below.
    PartitionAdder adder =
        (transactionalId, producerId, epoch, partitions) ->
            partitionAdder.add(transactionalId, producerId, epoch, partitions);
    List<ApiHandler<?>> handlers = new ArrayList<>();
    handlers.add(apiVersions);
    handlers.add(new MetadataHandler(metadataStore::current, autoCreation));
    MetadataStore quotaSource = metadataStore;
    handlers.add(
        new ProduceHandler(
            replicas,
            metadataStore::current,
            new ClientQuotaManager(
                ClientQuotas.PRODUCER_BYTE_RATE, () -> quotaSource.current().clientQuotas()),
            adder));
    handlers.add(
        new FetchHandler(
            replicas,
            metadataStore::current,
            purgatory,
            Partition::onFollowerFetch,
            new ClientQuotaManager(
                ClientQuotas.CONSUMER_BYTE_RATE, () -> quotaSource.current().clientQuotas()),
            throttles.leader()));
    handlers.add(new ListOffsetsHandler(replicas, metadataStore::current));
    handlers.add(new DeleteRecordsHandler(replicas, metadataStore::current));
    handlers.add(new DescribeProducersHandler(replicas, metadataStore::current));
    handlers.add(new OffsetForLeaderEpochHandler(replicas, metadataStore::current));
    handlers.addAll(AdminHandlers.all(metadataStore, replicas, config));

    BrokerCoordinatorTopic offsetsTopic =
        new BrokerCoordinatorTopic(
            OffsetsTopic.NAME,
            metadataStore,
            replicas,
            config.getInt(BrokerProperty.OFFSETS_TOPIC_NUM_PARTITIONS),
            (short) config.getInt(BrokerProperty.OFFSETS_TOPIC_REPLICATION_FACTOR),
            Map.of("cleanup.policy", "compact", "segment.bytes", "104857600"));
    groupCoordinator =
        new GroupCoordinator(
            GroupConfig.from(config), offsetsTopic, CoordinatorTimer.of(scheduler), topicCatalog());
    MetadataStore featureSource = metadataStore;
    handlers.addAll(
        GroupApis.handlers(
            groupCoordinator,
            () ->
                featureSource.current().featureLevel(SupportedFeature.GROUP_VERSION.featureName())
                    > 0,
            adder));

    BrokerCoordinatorTopic transactionTopic =
        new BrokerCoordinatorTopic(
            TransactionCoordinator.TOPIC,
            metadataStore,
            replicas,
            config.getInt(BrokerProperty.TRANSACTION_STATE_LOG_NUM_PARTITIONS),
            (short) config.getInt(BrokerProperty.TRANSACTION_STATE_LOG_REPLICATION_FACTOR),
            Map.of(
                "cleanup.policy",
                "compact",
                "segment.bytes",
                "104857600",
                "min.insync.replicas",
                String.valueOf(config.getInt(BrokerProperty.TRANSACTION_STATE_LOG_MIN_ISR))));
    // A marker in a group's __consumer_offsets partition applies or drops its offsets.
    WriteTxnMarkersHandler markers =
        new WriteTxnMarkersHandler(
            replicas,
            metadataStore::current,
            (tp, producerId, commit) -> {
              if (offsetsTopic.holds(tp)) {
                groupCoordinator.onTransactionCompleted(tp.partition(), producerId, commit);
              }
            },
            scheduler);
    markerSender =
        new TransactionMarkerSender(
            config.nodeId(),
            metadataStore::current,
            config.listeners().interBroker(),
            markers,
            scheduler);
    LocalProducerIdAllocator producerIds =
        new LocalProducerIdAllocator(config.logDirs().get(0), config.nodeId());
    transactionCoordinator =
        new TransactionCoordinator(
            TransactionConfig.from(config),
            transactionTopic,
            CoordinatorTimer.of(scheduler),
            producerIds,
            markerSender,
            () ->
                featureSource
                    .current()
                    .featureLevel(SupportedFeature.TRANSACTION_VERSION.featureName()));
    partitionAdder =
        new TransactionPartitionAdder(
            config.nodeId(),
            metadataStore::current,
            config.listeners().interBroker(),
            transactionCoordinator,
            scheduler);
    handlers.add(new InitProducerIdHandler(producerIds, transactionCoordinator));
    handlers.add(new AddPartitionsToTxnHandler(transactionCoordinator, metadataStore::current));
    handlers.add(
        new AddOffsetsToTxnHandler(
            transactionCoordinator, OffsetsTopic.NAME, groupCoordinator::partitionFor));
    handlers.add(new EndTxnHandler(transactionCoordinator));
    handlers.add(new DescribeTransactionsHandler(transactionCoordinator));
    handlers.add(new ListTransactionsHandler(transactionCoordinator, System::currentTimeMillis));
    handlers.add(markers);
    handlers.add(
        new FindCoordinatorHandler(
            FindCoordinatorHandler.Locator.of(
                "group", groupCoordinator::partitionFor, offsetsTopic::leaderOf),
            FindCoordinatorHandler.Locator.of(
                "transactional id",
                transactionCoordinator::partitionFor,
                transactionTopic::leaderOf)));

    // A coordinator lives where its topic's partition is led.
    replicas.addLeadershipListener(
        (tp, leader, epoch) ->
            onLeadershipChange(offsetsTopic, transactionTopic, tp, leader, epoch));
    // Partitions this broker already leads (a cluster applies metadata before we get here).
    replicas
        .all()
        .forEach(
            (tp, partition) -> {
              if (partition.isLeader()) {
                onLeadershipChange(
                    offsetsTopic, transactionTopic, tp, true, partition.leaderEpoch());
              }
            });
    return handlers;
  }

  private void onLeadershipChange(
      BrokerCoordinatorTopic offsetsTopic,
      BrokerCoordinatorTopic transactionTopic,
      TopicPartition tp,
      boolean leader,
      int epoch) {
    if (offsetsTopic.holds(tp)) {
      if (leader) {
        groupCoordinator.onBecomeLeader(tp.partition());
      } else {
        groupCoordinator.onResign(tp.partition());
      }
    } else if (transactionTopic.holds(tp)) {
      if (leader) {
        transactionCoordinator.onBecomeLeader(tp.partition(), epoch);
      } else {
        transactionCoordinator.onResign(tp.partition());
      }
    }
  }

  /** The topics consumer groups (KIP-848) are assigned from: the current metadata's. */
  private TopicCatalog topicCatalog() {
    return new TopicCatalog() {
      @Override
      public Optional<Topic> topic(String name) {
        return metadataStore
            .current()
            .topic(name)
            .map(t -> new Topic(t.id(), t.partitions().size()));
      }

      @Override
      public Collection<String> names() {
        return metadataStore.current().topics().values().stream()
            .filter(t -> !t.isInternal())
            .map(ClusterMetadata.TopicInfo::name)
            .toList();
      }
    };
  }

  /**
   * Joins the cluster's metadata quorum, as a voter or (broker-only) as an observer, and waits
   * until this broker is registered and unfenced, so that the ready line means clients can use it;
   * a controller-only node ({@code advertised} empty) waits until the quorum has a leader. The
   * voters must be starting too.
   */
  private MetadataStore startQuorum(Optional<List<Endpoint>> advertised) {
    Map<Integer, InetSocketAddress> voters = new java.util.TreeMap<>();
    config
        .quorumVoters()
        .forEach(v -> voters.put(v.id(), new InetSocketAddress(v.host(), v.port())));
    QuorumSettings settings =
        QuorumSettings.defaults()
            .withHeartbeat(
                java.time.Duration.ofMillis(
                    config.getLong(BrokerProperty.BROKER_HEARTBEAT_INTERVAL_MS)),
                java.time.Duration.ofMillis(
                    config.getLong(BrokerProperty.BROKER_SESSION_TIMEOUT_MS)))
            .withUncleanLeaderElection(
                config.getBoolean(BrokerProperty.UNCLEAN_LEADER_ELECTION_ENABLE))
            .withAutoLeaderRebalance(
                config.getBoolean(BrokerProperty.AUTO_LEADER_REBALANCE_ENABLE),
                java.time.Duration.ofSeconds(
                    config.getLong(BrokerProperty.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS)));
    RaftMetadataStore quorum =
        new RaftMetadataStore(
            config.logDirs().get(0), config.nodeId(), advertised, voters, settings);
    if (replicas != null) {
      // The first state the quorum publishes is the cluster's current one: a partition directory
      // no replica then uses was left by a topic deleted or a partition moved while this node was
      // down, and is set aside.
      replicas.setAsideStrayOnNextApply();
      quorum.addListener(replicas::apply);
    }
    try {
      quorum.start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot start the metadata quorum", e);
    }
    try {
      quorum.ready().get(120, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.warn(
          "node {} is not ready in the metadata quorum yet ({}); going on",
          config.nodeId(),
          e.toString());
    }
    return quorum;
  }

  /**
   * What clients are told, one endpoint per listener: its advertised address, with the port the
   * listener is bound to when the configuration says 0, and this machine's address for 0.0.0.0.
   */
  private List<Endpoint> advertisedEndpoints() {
    List<Listener> advertisedListeners = config.listeners().advertised(); // one per bound listener
    List<Endpoint> endpoints = new ArrayList<>();
    String localHost = null; // looked up once, and only for a wildcard
    for (int i = 0; i < advertisedListeners.size(); i++) {
      Listener advertised = advertisedListeners.get(i);
      int port = advertised.port() == 0 ? boundAddresses.get(i).getPort() : advertised.port();
      String host = advertised.host();
      if (host.equals("0.0.0.0")) {
        host = localHost = localHost != null ? localHost : localHostAddress();
      }
      endpoints.add(new Endpoint(advertised.name(), host, port));
    }
    return endpoints;
  }

  private static String localHostAddress() {
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  /** The addresses the listeners are bound to, in the order of {@code listeners}. */
  public List<InetSocketAddress> boundAddresses() {
    return List.copyOf(boundAddresses);
  }

  /** host:port of the first listener, as a client's bootstrap.servers. */
  public String bootstrapServers() {
    InetSocketAddress first = boundAddresses.get(0);
    return first.getHostString() + ":" + first.getPort();
  }

  public BrokerConfig config() {
    return config;
  }

  public ClusterMetadata metadata() {
    return metadataStore.current();
  }

  /**
   * Stops without a controlled shutdown, as after a crash: this broker's leaderships stay until the
   * quorum fences it for missed heartbeats. Lets in-process tests show a failover ({@code
   * MiniBrokerCluster.kill}).
   */
  public synchronized void halt() {
    controlledShutdown = false;
    close();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (controlledShutdown && metadataStore != null && (apis != null || config.controllerOnly())) {
      try {
        // Leaders move to other in-sync replicas first, so clients fail over without timeouts.
        metadataStore.controlledShutdown(java.time.Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        log.warn("controlled shutdown did not complete: {}", e.toString());
      }
    }
    if (socketServer != null) {
      socketServer.close();
    }
    if (transactionCoordinator != null) {
      transactionCoordinator.close();
    }
    if (markerSender != null) {
      markerSender.close();
    }
    if (partitionAdder != null) {
      partitionAdder.close();
    }
    if (groupCoordinator != null) {
      groupCoordinator.close();
    }
    if (replicas != null) {
      replicas.close();
    }
    if (metadataStore != null) {
      metadataStore.close();
    }
    if (scheduler != null) {
      scheduler.shutdownNow();
      try {
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.info("mini-broker {} stopped", config.nodeId());
  }
}
