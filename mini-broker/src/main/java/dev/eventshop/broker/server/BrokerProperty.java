package dev.eventshop.broker.server;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every property the broker accepts: Kafka's name, its type, its default and what it means. This
 * table is the one home of broker configuration; {@link BrokerConfig} parses against it and rejects
 * any key that is not here.
 */
public enum BrokerProperty {
  NODE_ID("node.id", Type.INT, "1", "The id of this broker in the cluster."),
  PROCESS_ROLES(
      "process.roles",
      Type.STRING,
      "broker,controller",
      "broker,controller: a broker and a voter of the metadata quorum; broker: a broker-only node"
          + " that observes the quorum (controller alone is not supported)."),
  LISTENERS(
      "listeners", Type.STRING, "PLAINTEXT://127.0.0.1:9092", "Where the broker accepts clients."),
  ADVERTISED_LISTENERS(
      "advertised.listeners",
      Type.STRING,
      "",
      "The addresses given to clients in Metadata, by listener name; a listener not named here"
          + " (or all, when empty) is advertised as it is bound."),
  LISTENER_SECURITY_PROTOCOL_MAP(
      "listener.security.protocol.map",
      Type.STRING,
      "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
      "The security protocol of each listener name; only PLAINTEXT is implemented."),
  INTER_BROKER_LISTENER_NAME(
      "inter.broker.listener.name",
      Type.STRING,
      "",
      "The listener followers fetch from leaders on; empty means PLAINTEXT, or the first listener"
          + " when none is called so."),
  CONTROLLER_LISTENER_NAMES(
      "controller.listener.names",
      Type.STRING,
      "",
      "Listeners that belong to the metadata quorum (its Raft port), not to clients; such a"
          + " listener must have this node's port in controller.quorum.voters."),
  CONTROLLER_QUORUM_VOTERS(
      "controller.quorum.voters",
      Type.STRING,
      "",
      "The metadata quorum: id@host:port,...; empty runs a single node."),
  LOG_DIRS("log.dirs", Type.STRING, "/tmp/mini-broker-logs", "Where partition logs are kept."),
  NUM_PARTITIONS("num.partitions", Type.INT, "1", "Partitions of an auto-created topic."),
  DEFAULT_REPLICATION_FACTOR(
      "default.replication.factor", Type.INT, "1", "Replicas of an auto-created topic."),
  MIN_INSYNC_REPLICAS(
      "min.insync.replicas",
      Type.INT,
      "1",
      "The fewest in-sync replicas with which an acks=all produce succeeds."),
  REPLICA_LAG_TIME_MAX_MS(
      "replica.lag.time.max.ms",
      Type.LONG,
      "30000",
      "A follower that has not caught up for this long leaves the ISR."),
  BROKER_HEARTBEAT_INTERVAL_MS(
      "broker.heartbeat.interval.ms",
      Type.LONG,
      "500",
      "How often a broker of a cluster heartbeats to the controller."),
  BROKER_SESSION_TIMEOUT_MS(
      "broker.session.timeout.ms",
      Type.LONG,
      "3000",
      "A broker not heard from for this long is fenced and loses its leaderships (Kafka: 9000)."),
  UNCLEAN_LEADER_ELECTION_ENABLE(
      "unclean.leader.election.enable",
      Type.BOOLEAN,
      "false",
      "Whether a replica outside the ISR may become leader (and lose acknowledged records)."),
  AUTO_LEADER_REBALANCE_ENABLE(
      "auto.leader.rebalance.enable",
      Type.BOOLEAN,
      "true",
      "Whether the controller gives leadership back to preferred replicas that are in sync."),
  LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS(
      "leader.imbalance.check.interval.seconds",
      Type.LONG,
      "5",
      "How often the controller restores preferred leaders (Kafka: 300)."),
  AUTO_CREATE_TOPICS_ENABLE(
      "auto.create.topics.enable",
      Type.BOOLEAN,
      "true",
      "Create a topic when a client asks for metadata of an unknown one."),
  LOG_SEGMENT_BYTES(
      "log.segment.bytes",
      Type.INT,
      "1073741824",
      "Roll a new segment when one reaches this size."),
  LOG_ROLL_MS(
      "log.roll.ms", Type.LONG, "604800000", "Roll a new segment when the active one is this old."),
  LOG_RETENTION_MS(
      "log.retention.ms",
      Type.LONG,
      "604800000",
      "Delete segments whose newest record is older than this; -1 keeps them forever."),
  LOG_RETENTION_BYTES(
      "log.retention.bytes",
      Type.LONG,
      "-1",
      "Delete the oldest segments while a partition is larger than this; -1 means no limit."),
  LOG_RETENTION_CHECK_INTERVAL_MS(
      "log.retention.check.interval.ms", Type.LONG, "300000", "How often retention runs."),
  LOG_CLEANER_BACKOFF_MS(
      "log.cleaner.backoff.ms",
      Type.LONG,
      "15000",
      "How often compaction looks for compacted logs that grew or have records to remove."),
  PRODUCER_ID_EXPIRATION_MS(
      "producer.id.expiration.ms",
      Type.LONG,
      "86400000",
      "A partition forgets an idempotent producer that has written nothing to it for this long."),
  PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS(
      "producer.id.expiration.check.interval.ms",
      Type.LONG,
      "600000",
      "How often partitions forget expired producers."),
  LOG_CLEANUP_POLICY(
      "log.cleanup.policy", Type.STRING, "delete", "delete, compact, or compact,delete."),
  LOG_INDEX_INTERVAL_BYTES(
      "log.index.interval.bytes",
      Type.INT,
      "4096",
      "Bytes of records between two entries of the sparse offset index."),
  LOG_FLUSH_INTERVAL_MESSAGES(
      "log.flush.interval.messages",
      Type.LONG,
      String.valueOf(Long.MAX_VALUE),
      "fsync after this many records; the default leaves flushing to the OS, as Kafka does."),
  LOG_FLUSH_INTERVAL_MS(
      "log.flush.interval.ms",
      Type.LONG,
      String.valueOf(Long.MAX_VALUE),
      "fsync when the oldest unflushed record is this old; default: leave it to the OS."),
  MESSAGE_MAX_BYTES(
      "message.max.bytes", Type.INT, "1048588", "The largest record batch the broker accepts."),
  SOCKET_REQUEST_MAX_BYTES(
      "socket.request.max.bytes",
      Type.INT,
      "104857600",
      "The largest request frame; larger frames are refused before any allocation."),
  NUM_NETWORK_THREADS("num.network.threads", Type.INT, "2", "Threads serving client sockets."),
  GROUP_INITIAL_REBALANCE_DELAY_MS(
      "group.initial.rebalance.delay.ms",
      Type.INT,
      "3000",
      "How long the first rebalance of an empty group waits for more members."),
  GROUP_MIN_SESSION_TIMEOUT_MS(
      "group.min.session.timeout.ms", Type.INT, "6000", "The smallest session timeout allowed."),
  GROUP_MAX_SESSION_TIMEOUT_MS(
      "group.max.session.timeout.ms", Type.INT, "1800000", "The largest session timeout allowed."),
  GROUP_CONSUMER_SESSION_TIMEOUT_MS(
      "group.consumer.session.timeout.ms",
      Type.INT,
      "45000",
      "Consumer groups (KIP-848): a member without a heartbeat for this long is fenced."),
  GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS(
      "group.consumer.heartbeat.interval.ms",
      Type.INT,
      "5000",
      "Consumer groups (KIP-848): how often members heartbeat."),
  GROUP_CONSUMER_MAX_SIZE(
      "group.consumer.max.size",
      Type.INT,
      "2147483647",
      "Consumer groups (KIP-848): the most members a group may have."),
  GROUP_CONSUMER_ASSIGNORS(
      "group.consumer.assignors",
      Type.STRING,
      "uniform,range",
      "Consumer groups (KIP-848): the server assignors members may name; the first is the"
          + " default."),
  GROUP_CONSUMER_MIGRATION_POLICY(
      "group.consumer.migration.policy",
      Type.STRING,
      "bidirectional",
      "Consumer groups (KIP-848): whether live groups change protocol as their members do:"
          + " bidirectional, upgrade, downgrade or disabled."),
  OFFSETS_TOPIC_NUM_PARTITIONS(
      "offsets.topic.num.partitions", Type.INT, "50", "Partitions of __consumer_offsets."),
  OFFSETS_TOPIC_REPLICATION_FACTOR(
      "offsets.topic.replication.factor",
      Type.INT,
      "1",
      "Replicas of __consumer_offsets (Kafka's default is 3; 1 lets a single node start)."),
  TRANSACTION_STATE_LOG_NUM_PARTITIONS(
      "transaction.state.log.num.partitions", Type.INT, "50", "Partitions of __transaction_state."),
  TRANSACTION_STATE_LOG_REPLICATION_FACTOR(
      "transaction.state.log.replication.factor",
      Type.INT,
      "1",
      "Replicas of __transaction_state (Kafka's default is 3; 1 lets a single node start)."),
  TRANSACTION_STATE_LOG_MIN_ISR(
      "transaction.state.log.min.isr",
      Type.INT,
      "1",
      "min.insync.replicas of __transaction_state (Kafka's default is 2; 1 lets a single node"
          + " start)."),
  TRANSACTION_MAX_TIMEOUT_MS(
      "transaction.max.timeout.ms",
      Type.INT,
      "900000",
      "The longest transaction timeout a producer may ask for."),
  TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS(
      "transaction.abort.timed.out.transaction.cleanup.interval.ms",
      Type.LONG,
      "10000",
      "How often the coordinator aborts transactions open longer than their timeout."),
  TRANSACTIONAL_ID_EXPIRATION_MS(
      "transactional.id.expiration.ms",
      Type.LONG,
      "604800000",
      "The coordinator forgets a transactional id that has had no transaction for this long."),
  TRANSACTION_REMOVE_EXPIRED_TRANSACTION_CLEANUP_INTERVAL_MS(
      "transaction.remove.expired.transaction.cleanup.interval.ms",
      Type.LONG,
      "3600000",
      "How often the coordinator forgets expired transactional ids."),
  OFFSETS_RETENTION_MINUTES(
      "offsets.retention.minutes",
      Type.LONG,
      "10080",
      "Committed offsets of an empty group are kept this long.");

  /** The type of a property's value. */
  public enum Type {
    INT,
    LONG,
    BOOLEAN,
    STRING
  }

  private static final Map<String, BrokerProperty> BY_NAME =
      Arrays.stream(values()).collect(Collectors.toMap(p -> p.key, Function.identity()));

  private final String key;
  private final Type type;
  private final String defaultValue;
  private final String doc;

  BrokerProperty(String key, Type type, String defaultValue, String doc) {
    this.key = key;
    this.type = type;
    this.defaultValue = defaultValue;
    this.doc = doc;
  }

  public String key() {
    return key;
  }

  public Type type() {
    return type;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String doc() {
    return doc;
  }

  public static Optional<BrokerProperty> byKey(String key) {
    return Optional.ofNullable(BY_NAME.get(key));
  }
}
