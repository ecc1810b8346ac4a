package dev.eventshop.support.tracing;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A W3C trace context: the trace id shared by everything one order set in motion, and the id of the
 * current span (one publish, one consume, one HTTP request). It travels between services in the
 * {@code traceparent} header of Kafka records and HTTP requests: {@code 00-<32 hex trace id>-<16
 * hex span id>-01}.
 */
public record TraceContext(String traceId, String spanId) {

  /** The header that carries the trace context, in Kafka records and in HTTP requests. */
  public static final String HEADER = "traceparent";

  private static final Pattern TRACEPARENT =
      Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Starts a new trace, as for an order placed over REST without a trace of its own. */
  public static TraceContext newTrace() {
    return new TraceContext(randomHex(16), randomHex(8));
  }

  /** The context in a {@code traceparent} value, or empty if it is missing or malformed. */
  public static Optional<TraceContext> parse(String traceparent) {
    if (traceparent == null) {
      return Optional.empty();
    }
    var matcher = TRACEPARENT.matcher(traceparent.trim());
    return matcher.matches()
        ? Optional.of(new TraceContext(matcher.group(1), matcher.group(2)))
        : Optional.empty();
  }

  /** A new span in the same trace, for the next hop. */
  public TraceContext nextSpan() {
    return new TraceContext(traceId, randomHex(8));
  }

  /** This context as a {@code traceparent} header value (sampled). */
  public String traceparent() {
    return "00-" + traceId + "-" + spanId + "-01";
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
