package dev.eventshop.support.tracing;

import java.util.Optional;
import org.slf4j.MDC;

/**
 * The trace id and order id of the work the current thread is doing, kept in the logging MDC so
 * that every log line carries them (see {@code logging.pattern.correlation} in each service's
 * application.yml). Whoever starts a unit of work (an HTTP request, a consumed record, one publish
 * of the outbox relay) sets it and clears it when done.
 */
public final class LogContext {

  /** MDC key of the trace id. */
  public static final String TRACE_ID = "traceId";

  /** MDC key of the span id. */
  public static final String SPAN_ID = "spanId";

  /** MDC key of the order id. */
  public static final String ORDER_ID = "orderId";

  private LogContext() {}

  /** Sets the trace of the current thread's work. */
  public static void setTrace(TraceContext trace) {
    MDC.put(TRACE_ID, trace.traceId());
    MDC.put(SPAN_ID, trace.spanId());
  }

  /** Sets the order the current thread's work is about. */
  public static void setOrderId(String orderId) {
    if (orderId == null) {
      MDC.remove(ORDER_ID);
    } else {
      MDC.put(ORDER_ID, orderId);
    }
  }

  /** The trace of the current thread's work, if one was set. */
  public static Optional<TraceContext> currentTrace() {
    String traceId = MDC.get(TRACE_ID);
    String spanId = MDC.get(SPAN_ID);
    return traceId == null || spanId == null
        ? Optional.empty()
        : Optional.of(new TraceContext(traceId, spanId));
  }

  /** Forgets trace and order, at the end of a unit of work. */
  public static void clear() {
    MDC.remove(TRACE_ID);
    MDC.remove(SPAN_ID);
    MDC.remove(ORDER_ID);
  }
}
