package dev.eventshop.broker.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All partition logs on this broker's {@code log.dirs}: opens them, places new ones in the
 * directory holding the fewest, and runs the periodic work on them: retention, time-based flush,
 * compaction and the expiry of idle producers.
 *
 * <p>A {@code .clean-shutdown} marker in a log directory says every log in it was closed cleanly;
 * without it, logs recover their active segment on open. Thread-safe.
 */
public final class LogStore implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LogStore.class);
  private static final String CLEAN_SHUTDOWN = ".clean-shutdown";
  private static final long CLOSE_DELAY_MS = 30_000;
  private static final Pattern PARTITION_DIR = Pattern.compile("(.+)-(0|[1-9][0-9]{0,8})");
  private static final String STRAY_SUFFIX = "-stray";

  private final List<Path> dirs;
  private final ScheduledExecutorService scheduler;
  private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
  private final Map<Path, Boolean> cleanShutdown = new ConcurrentHashMap<>();
  private final LogCleaner cleaner = new LogCleaner();

  /**
   * @param cleanerBackoffMs how often compaction runs ({@code log.cleaner.backoff.ms})
   * @param producerIdExpirationMs {@code producer.id.expiration.ms}
   * @param producerIdExpirationCheckIntervalMs how often producers are expired
   */
  public LogStore(
      List<Path> dirs,
      ScheduledExecutorService scheduler,
      long retentionCheckIntervalMs,
      long cleanerBackoffMs,
      long producerIdExpirationMs,
      long producerIdExpirationCheckIntervalMs) {
    this.dirs = List.copyOf(dirs);
    this.scheduler = scheduler;
    try {
      for (Path dir : dirs) {
        Files.createDirectories(dir);
        Path marker = dir.resolve(CLEAN_SHUTDOWN);
        cleanShutdown.put(dir, Files.exists(marker));
        Files.deleteIfExists(marker);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare log.dirs " + dirs, e);
    }
    scheduler.scheduleWithFixedDelay(
        this::applyRetention,
        retentionCheckIntervalMs,
        retentionCheckIntervalMs,
        TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::flushDue, 1, 1, TimeUnit.SECONDS);
    scheduler.scheduleWithFixedDelay(
        this::compact, cleanerBackoffMs, cleanerBackoffMs, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(
        () -> removeExpiredProducers(producerIdExpirationMs),
        producerIdExpirationCheckIntervalMs,
        producerIdExpirationCheckIntervalMs,
        TimeUnit.MILLISECONDS);
  }

  /** Opens the log of a partition, creating it if this broker has none yet. */
  public synchronized PartitionLog getOrCreate(TopicPartition tp, Uuid topicId, LogConfig config) {
    PartitionLog existing = logs.get(tp);
    if (existing != null) {
      return existing;
    }
    Path dir = existingDirOf(tp);
    try {
      if (dir != null) {
        java.util.Optional<Uuid> recorded = PartitionLog.readTopicId(dir);
        if (recorded.isPresent() && !recorded.get().equals(topicId)) {
          // A leftover of a deleted topic with the same name: it is not this topic's data.
          log.info("{}: removing data of an older topic with id {}", tp, recorded.get());
          deleteDirectory(dir);
          dir = null;
        }
      }
      Path logDir = dir == null ? leastLoadedDir() : dir.getParent();
      PartitionLog opened =
          PartitionLog.open(
              PartitionLog.directoryOf(logDir, tp),
              tp,
              topicId,
              config,
              cleanShutdown.getOrDefault(logDir, false),
              this::closeLater);
      logs.put(tp, opened);
      return opened;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the log of " + tp, e);
    }
  }

  public PartitionLog get(TopicPartition tp) {
    return logs.get(tp);
  }

  public Map<TopicPartition, PartitionLog> all() {
    return Map.copyOf(logs);
  }

  /** Deletes a partition's log and its directory. */
  public synchronized void delete(TopicPartition tp) {
    PartitionLog removed = logs.remove(tp);
    try {
      if (removed != null) {
        removed.delete();
      } else {
        Path dir = existingDirOf(tp);
        if (dir != null) {
          deleteDirectory(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the log of " + tp, e);
    }
  }

  /**
   * Sets aside the partition directories on disk that no open log uses: on a broker that has just
   * opened every replica its cluster's current metadata gives it, these are stray replicas, of
   * topics deleted or partitions moved to other brokers while it was down. As Kafka 4.1 does, each
   * is renamed to {@code <topic>-<partition>.<id>-stray}, never opened again and never deleted by
   * the broker: if the metadata was not what it should be (a wrong quorum, say), nothing is lost.
   * Only directories named like a partition and holding a topic id ({@code partition.metadata}) are
   * touched.
   *
   * @return the partitions whose directories were set aside
   */
  public synchronized List<TopicPartition> setAsideStray() {
    List<TopicPartition> strays = new ArrayList<>();
    for (Path dir : dirs) {
      List<Path> children;
      try (Stream<Path> list = Files.list(dir)) {
        children = list.filter(Files::isDirectory).toList();
      } catch (IOException e) {
        log.error("cannot look for stray replicas in {}", dir, e);
        continue;
      }
      for (Path child : children) {
        Matcher name = PARTITION_DIR.matcher(child.getFileName().toString());
        if (!name.matches()) {
          continue;
        }
        TopicPartition tp = new TopicPartition(name.group(1), Integer.parseInt(name.group(2)));
        try {
          Optional<Uuid> topicId = PartitionLog.readTopicId(child);
          if (!logs.containsKey(tp) && topicId.isPresent()) {
            Path aside =
                child.resolveSibling(
                    child.getFileName()
                        + "."
                        + UUID.randomUUID().toString().replace("-", "")
                        + STRAY_SUFFIX);
            Files.move(child, aside, StandardCopyOption.ATOMIC_MOVE);
            log.warn(
                "{}: this broker is not one of its replicas; its data (topic id {}) is a stray"
                    + " replica, moved aside to {}: delete it when you no longer need it",
                tp,
                topicId.get(),
                aside);
            strays.add(tp);
          }
        } catch (IOException | RuntimeException e) {
          log.error("cannot check or set aside {}", child, e);
        }
      }
    }
    return strays;
  }

  private Path existingDirOf(TopicPartition tp) {
    for (Path dir : dirs) {
      Path candidate = PartitionLog.directoryOf(dir, tp);
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private Path leastLoadedDir() throws IOException {
    Path best = dirs.get(0);
    long fewest = Long.MAX_VALUE;
    for (Path dir : dirs) {
      try (Stream<Path> children = Files.list(dir)) {
        long count = children.filter(Files::isDirectory).count();
        if (count < fewest) {
          fewest = count;
          best = dir;
        }
      }
    }
    return best;
  }

  private static void deleteDirectory(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private void closeLater(Runnable close) {
    if (scheduler.isShutdown()) {
      close.run();
    } else {
      scheduler.schedule(close, CLOSE_DELAY_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** Runs retention on every log now (also runs every log.retention.check.interval.ms). */
  public void applyRetention() {
    long now = System.currentTimeMillis();
    for (PartitionLog partitionLog : logs.values()) {
      try {
        partitionLog.applyRetention(now);
      } catch (IOException | RuntimeException e) {
        log.error("{}: retention failed", partitionLog.topicPartition(), e);
      }
    }
  }

  /** Forgets, in every log, the producers idle for {@code expirationMs}. */
  public void removeExpiredProducers(long expirationMs) {
    long now = System.currentTimeMillis();
    for (PartitionLog partitionLog : logs.values()) {
      try {
        int expired = partitionLog.removeExpiredProducers(now, expirationMs);
        if (expired > 0) {
          log.debug("{}: forgot {} expired producer(s)", partitionLog.topicPartition(), expired);
        }
      } catch (RuntimeException e) {
        log.error("{}: producer expiry failed", partitionLog.topicPartition(), e);
      }
    }
  }

  /** Compacts every log with cleanup.policy=compact now (also every log.cleaner.backoff.ms). */
  public void compact() {
    long now = System.currentTimeMillis();
    for (PartitionLog partitionLog : logs.values()) {
      if (partitionLog.config().compact()) {
        try {
          cleaner.clean(partitionLog, now);
        } catch (IOException | RuntimeException e) {
          log.error("{}: compaction failed", partitionLog.topicPartition(), e);
        }
      }
    }
  }

  private void flushDue() {
    long now = System.currentTimeMillis();
    for (PartitionLog partitionLog : logs.values()) {
      try {
        partitionLog.maybeFlush(now);
      } catch (IOException | RuntimeException e) {
        log.error("{}: flush failed", partitionLog.topicPartition(), e);
      }
    }
  }

  /** Closes every log and marks the directories as cleanly shut down. */
  @Override
  public synchronized void close() {
    boolean allClosed = true;
    for (PartitionLog partitionLog : logs.values()) {
      try {
        partitionLog.close();
      } catch (RuntimeException e) {
        allClosed = false;
        log.error("{}: close failed", partitionLog.topicPartition(), e);
      }
    }
    logs.clear();
    if (allClosed) {
      for (Path dir : dirs) {
        try {
          Files.writeString(dir.resolve(CLEAN_SHUTDOWN), "");
        } catch (IOException e) {
          log.error("cannot mark {} as cleanly shut down", dir, e);
        }
      }
    }
  }
}
