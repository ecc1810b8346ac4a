package dev.eventshop.support.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceContextTest {

  @Test
  void traceparentRoundTrips() {
    TraceContext trace = TraceContext.newTrace();

    assertThat(trace.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(TraceContext.parse(trace.traceparent())).contains(trace);
  }

  @Test
  void nextSpanKeepsTheTraceId() {
    TraceContext trace = TraceContext.newTrace();
    TraceContext next = trace.nextSpan();

    assertThat(next.traceId()).isEqualTo(trace.traceId());
    assertThat(next.spanId()).isNotEqualTo(trace.spanId());
  }

  @Test
  void malformedOrMissingHeaderIsNoTrace() {
    assertThat(TraceContext.parse(null)).isEmpty();
    assertThat(TraceContext.parse("not-a-traceparent")).isEmpty();
    assertThat(TraceContext.parse("00-XYZ-0000000000000000-01")).isEmpty();
  }
}
