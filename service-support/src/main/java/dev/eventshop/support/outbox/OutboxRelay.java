package dev.eventshop.support.outbox;

import dev.eventshop.support.durability.GroupCommit;
import dev.eventshop.support.kafka.EventHeaders;
import dev.eventshop.support.tracing.LogContext;
import dev.eventshop.support.tracing.TraceContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the rows of the {@code outbox} table to Kafka, oldest first, and marks each one sent
 * with the partition and offset it got (one database transaction per batch), once the transactions
 * that wrote them are durable ({@link GroupCommit}). One relay thread per service, woken when a
 * transaction that added events commits and otherwise every {@code shop.outbox.poll-interval}.
 *
 * <p>Delivery is at least once: a crash between the broker's acknowledgement and the update that
 * marks the row sent publishes the row again on restart, with the same event id, and consumers skip
 * it through their inbox. The producer is idempotent with {@code acks=all} (see application.yml),
 * so the client's own retries add no duplicates and keep the order of one order's events, which
 * share a key and therefore a partition.
 */
public final class OutboxRelay implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

  private final JdbcTemplate jdbc;
  private final KafkaTemplate<String, String> kafka;
  private final GroupCommit groupCommit;
  private final OutboxProperties properties;
  private final TransactionTemplate transactions;
  private final Semaphore wakeUps = new Semaphore(0);

  /** For each event committed while this relay runs, a group-commit ticket taken after it. */
  private final Map<UUID, Long> tickets = new ConcurrentHashMap<>();

  private volatile Thread thread;

  public OutboxRelay(
      JdbcTemplate jdbc,
      TransactionTemplate transactions,
      KafkaTemplate<String, String> kafka,
      GroupCommit groupCommit,
      OutboxProperties properties) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.kafka = kafka;
    this.groupCommit = groupCommit;
    this.properties = properties;
  }

  /** Tells the relay that the transaction that added this event committed: publish it now. */
  public void committed(UUID eventId) {
    tickets.put(eventId, groupCommit.ticket());
    wakeUps.release();
  }

  /**
   * Publishes up to one batch of unsent rows and marks the acknowledged ones sent.
   *
   * @return how many rows were published
   */
  public int publishBatch() throws InterruptedException {
    List<Row> rows =
        jdbc.query(
            """
            select id, event_id, event_type, topic, record_key, payload, trace_parent
            from outbox where sent_at is null order by id limit ?""",
            (rs, i) ->
                new Row(
                    rs.getLong("id"),
                    rs.getObject("event_id", UUID.class),
                    rs.getString("event_type"),
                    rs.getString("topic"),
                    rs.getString("record_key"),
                    rs.getString("payload"),
                    rs.getString("trace_parent")),
            properties.batchSize());
    if (rows.isEmpty()) {
      return 0;
    }
    // Publish only events whose cause is on disk: a lost state change must not be announced.
    // The tickets taken as the rows' transactions committed let a store that another caller
    // began since (a consumer committing its offsets) count; a row committed before this relay
    // heard of it needs a store that begins now.
    long ticket = 0;
    for (Row row : rows) {
      Long committed = tickets.get(row.eventId());
      if (committed == null) {
        ticket = groupCommit.ticket();
        break;
      }
      ticket = Math.max(ticket, committed);
    }
    groupCommit.awaitDurable(ticket);
    List<CompletableFuture<SendResult<String, String>>> sends = new ArrayList<>(rows.size());
    for (Row row : rows) {
      try {
        sends.add(kafka.send(row.toProducerRecord()));
      } catch (RuntimeException e) {
        // The producer refused at once (closed, record too large...): send nothing after it,
        // so that no later event of the same order overtakes it.
        sends.add(CompletableFuture.failedFuture(e));
        break;
      }
    }
    List<Sent> sent = new ArrayList<>(rows.size());
    for (int i = 0; i < sends.size(); i++) {
      Row row = rows.get(i);
      try {
        sent.add(
            new Sent(
                row,
                sends
                    .get(i)
                    .get(properties.sendTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .getRecordMetadata()));
      } catch (ExecutionException | TimeoutException e) {
        // Stays unsent and is tried again in the next round.
        row.log(
            () ->
                log.warn(
                    "could not publish {} order={} to {}: {}",
                    row.eventType(),
                    row.key(),
                    row.topic(),
                    e.getCause() == null ? e.toString() : e.getCause().toString()));
        if (e instanceof TimeoutException) {
          break;
        }
      }
    }
    if (sent.isEmpty()) {
      return 0;
    }
    OffsetDateTime now = Instant.now().atOffset(ZoneOffset.UTC);
    transactions.executeWithoutResult(
        tx ->
            jdbc.batchUpdate(
                "update outbox set sent_at = ?, kafka_partition = ?, kafka_offset = ? where id = ?",
                sent,
                sent.size(),
                (statement, s) -> {
                  statement.setObject(1, now);
                  statement.setInt(2, s.metadata().partition());
                  statement.setLong(3, s.metadata().offset());
                  statement.setLong(4, s.row().id());
                }));
    for (Sent s : sent) {
      tickets.remove(s.row().eventId());
      s.row()
          .log(
              () ->
                  log.info(
                      "published {} order={} to {}-{}@{}",
                      s.row().eventType(),
                      s.row().key(),
                      s.metadata().topic(),
                      s.metadata().partition(),
                      s.metadata().offset()));
    }
    return sent.size();
  }

  @Override
  public void start() {
    Thread relay = new Thread(this::run, "outbox-relay");
    relay.setDaemon(true);
    thread = relay;
    relay.start();
  }

  @Override
  public void stop() {
    Thread relay = thread;
    thread = null;
    if (relay != null) {
      relay.interrupt();
      try {
        relay.join(properties.sendTimeout().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return thread != null;
  }

  private void run() {
    while (thread == Thread.currentThread()) {
      try {
        int published = publishBatch();
        if (published < properties.batchSize()) {
          wakeUps.tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
          wakeUps.drainPermits();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("outbox relay round failed, retrying: {}", e.toString());
        try {
          Thread.sleep(properties.pollInterval().toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private record Sent(Row row, RecordMetadata metadata) {}

  private record Row(
      long id,
      UUID eventId,
      String eventType,
      String topic,
      String key,
      String payload,
      String traceParent) {

    ProducerRecord<String, String> toProducerRecord() {
      var record = new ProducerRecord<>(topic, key, payload);
      record.headers().add(EventHeaders.EVENT_TYPE, bytes(eventType));
      record.headers().add(EventHeaders.EVENT_ID, bytes(eventId.toString()));
      record.headers().add(EventHeaders.CONTENT_TYPE, bytes("application/json"));
      record.headers().add(TraceContext.HEADER, bytes(traceParent));
      return record;
    }

    /** Logs with this row's trace and order in the log context. */
    void log(Runnable logStatement) {
      TraceContext.parse(traceParent).ifPresent(LogContext::setTrace);
      LogContext.setOrderId(key);
      try {
        logStatement.run();
      } finally {
        LogContext.clear();
      }
    }

    private static byte[] bytes(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }
  }
}
