package dev.eventshop.broker.quota;

import dev.eventshop.broker.metadata.ClientQuotas;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Enforces one byte-rate quota of the {@link ClientQuotas} ({@value
 * ClientQuotas#PRODUCER_BYTE_RATE} or {@value ClientQuotas#CONSUMER_BYTE_RATE}) as Kafka's
 * ClientQuotaManager does. The bytes of each client (or of all clients of a user, when the quota is
 * the user's) are counted in {@value #SAMPLES} samples of one second ({@code quota.window.num},
 * {@code quota.window.size.seconds}); the rate is their sum over the time they span, at least ten
 * seconds. A client over its quota is throttled for the time that brings the rate back to the quota
 * if it sent nothing more: {@code (rate - quota) / quota * window}. The handler puts that time in
 * the response's {@code throttle_time_ms}, and the connection reads no request for that long
 * (KIP-219).
 *
 * <p>Which quota applies to a client is resolved once per {@link ClientQuotas} snapshot, not on
 * every request: Kafka's precedence looks at up to eight entities, and a fetch asks twice. The
 * answers are cached per (user, client id) for the snapshot the supplier returns, and dropped as
 * soon as it returns another one (an immutable {@code ClientQuotas} is compared by identity: every
 * change of the quotas is a new one). At most {@value #MAX_RESOLVED_CLIENTS} clients are cached;
 * past that the cache starts over, so client ids chosen by clients cannot grow it without bound.
 * Without any quota nothing is cached.
 *
 * <p>Thread-safe: the rates are guarded by this object; the resolved quotas are an immutable
 * snapshot reference in a volatile field with a concurrent map, where a race at most resolves a
 * client twice. A client's counts are forgotten after an hour without traffic, as in Kafka.
 */
public final class ClientQuotaManager {

  static final int SAMPLES = 11;
  static final long SAMPLE_MS = 1000;
  private static final long FORGET_AFTER_MS = 3_600_000;
  static final int MAX_RESOLVED_CLIENTS = 10_000;

  /** Who shares a quota: a user ("" for any) and a client id ("" for any). */
  private record Sharer(String user, String clientId) {}

  /** A client as quotas name it. */
  private record Client(String user, String clientId) {}

  /** The quota of {@link #key} that applies to each client seen, in one snapshot of the quotas. */
  private record Resolved(
      ClientQuotas source, Map<Client, Optional<ClientQuotas.Applied>> byClient) {
    Resolved(ClientQuotas source) {
      this(source, new ConcurrentHashMap<>());
    }
  }

  private final String key;
  private final Supplier<ClientQuotas> quotas;
  private final Map<Sharer, Rate> rates = new HashMap<>();
  private long lastSweepMs;
  private volatile Resolved resolved = new Resolved(ClientQuotas.NONE);

  public ClientQuotaManager(String key, Supplier<ClientQuotas> quotas) {
    this.key = key;
    this.quotas = quotas;
  }

  /**
   * Counts {@code bytes} for {@code clientId} and returns how long it must now wait, in
   * milliseconds: 0 within its quota or when no quota applies.
   */
  public long recordAndGetThrottleTimeMs(String clientId, long bytes, long nowMs) {
    return record(clientId, bytes, nowMs, false);
  }

  /**
   * As {@link #recordAndGetThrottleTimeMs}, but bytes that take the client over its quota are taken
   * back at once, in the same step: Kafka's for a fetch answer it then sends empty.
   */
  public long recordOrTakeBack(String clientId, long bytes, long nowMs) {
    return record(clientId, bytes, nowMs, true);
  }

  private long record(String clientId, long bytes, long nowMs, boolean takeBackIfOver) {
    Optional<ClientQuotas.Applied> quota = applied(clientId);
    if (quota.isEmpty() || !(quota.get().value() > 0)) {
      return 0;
    }
    double bound = quota.get().value();
    synchronized (this) {
      Rate rate = rate(quota.get(), nowMs);
      rate.record(bytes, nowMs);
      double observed = rate.perSecond(nowMs);
      if (observed <= bound) {
        return 0;
      }
      long throttleMs = Math.round((observed - bound) / bound * rate.windowMs(nowMs));
      if (takeBackIfOver) {
        rate.record(-bytes, nowMs);
      }
      return throttleMs;
    }
  }

  /**
   * The most a client may get in one answer: its quota over the window less one sample, as Kafka
   * bounds a fetch, so that one answer alone never exceeds the quota. Long.MAX_VALUE without one.
   */
  public long maxBytesPerAnswer(String clientId) {
    return applied(clientId)
        .filter(q -> q.value() > 0)
        .map(q -> (long) Math.min(Long.MAX_VALUE, q.value() * (SAMPLES - 1) * SAMPLE_MS / 1000))
        .orElse(Long.MAX_VALUE);
  }

  /** The quota that applies to {@code clientId} in the current quotas: cached, see the class. */
  private Optional<ClientQuotas.Applied> applied(String clientId) {
    ClientQuotas current = quotas.get();
    if (current.byEntity().isEmpty()) {
      return Optional.empty();
    }
    Resolved snapshot = resolved;
    if (snapshot.source() != current || snapshot.byClient().size() >= MAX_RESOLVED_CLIENTS) {
      snapshot = new Resolved(current);
      resolved = snapshot;
    }
    Client client = new Client(ClientQuotas.ANONYMOUS_USER, clientId);
    return snapshot
        .byClient()
        .computeIfAbsent(client, c -> current.quota(key, c.user(), c.clientId()));
  }

  /** How many clients' quotas are cached now. */
  int resolvedClients() {
    return resolved.byClient().size();
  }

  private Rate rate(ClientQuotas.Applied quota, long nowMs) {
    if (nowMs - lastSweepMs > FORGET_AFTER_MS) {
      rates.values().removeIf(r -> nowMs - r.lastRecordMs > FORGET_AFTER_MS);
      lastSweepMs = nowMs;
    }
    return rates.computeIfAbsent(new Sharer(quota.user(), quota.clientId()), s -> new Rate(nowMs));
  }

  /**
   * Kafka's sampled rate (4.1's SampledStat and Rate): {@value #SAMPLES} + 1 samples of {@value
   * #SAMPLE_MS} ms; a sample whose last event is {@value #SAMPLES} samples old is forgotten; the
   * rate is the sum over the time since the oldest sample began, at least {@code SAMPLES - 1}
   * samples long.
   */
  static final class Rate {
    private static final int SLOTS = SAMPLES + 1;
    private final long[] startMs = new long[SLOTS];
    private final long[] lastEventMs = new long[SLOTS];
    private final double[] totals = new double[SLOTS];
    private int current;
    long lastRecordMs;

    Rate(long nowMs) {
      Arrays.fill(startMs, nowMs);
      Arrays.fill(lastEventMs, nowMs);
      lastRecordMs = nowMs;
    }

    void record(double value, long nowMs) {
      if (nowMs - startMs[current] >= SAMPLE_MS) {
        current = (current + 1) % SLOTS;
        reset(current, nowMs);
      }
      totals[current] += value;
      lastEventMs[current] = nowMs;
      lastRecordMs = nowMs;
    }

    private void reset(int slot, long nowMs) {
      startMs[slot] = nowMs;
      lastEventMs[slot] = nowMs;
      totals[slot] = 0;
    }

    /** Per second, over the samples still in the window. */
    double perSecond(long nowMs) {
      double total = 0;
      for (int i = 0; i < SLOTS; i++) {
        if (nowMs - lastEventMs[i] >= SAMPLES * SAMPLE_MS) {
          reset(i, nowMs); // obsolete
        }
        total += totals[i];
      }
      return total * 1000.0 / windowMs(nowMs);
    }

    /** The time since the oldest sample began, counted as at least {@code SAMPLES - 1} samples. */
    long windowMs(long nowMs) {
      long oldest = nowMs;
      for (long start : startMs) {
        oldest = Math.min(oldest, start);
      }
      long elapsed = nowMs - oldest;
      long fullSamples = elapsed / SAMPLE_MS;
      if (fullSamples < SAMPLES - 1) {
        elapsed += (SAMPLES - 1 - fullSamples) * SAMPLE_MS;
      }
      return Math.max(elapsed, 1);
    }
  }
}
