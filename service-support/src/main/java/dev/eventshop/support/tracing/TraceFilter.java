package dev.eventshop.support.tracing;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Starts the trace of an HTTP request: continues the caller's {@code traceparent} if it sent one,
 * otherwise begins a new trace, and echoes it in the response so a client can look the trace up in
 * the logs.
 */
public final class TraceFilter extends OncePerRequestFilter {

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    TraceContext trace =
        TraceContext.parse(request.getHeader(TraceContext.HEADER))
            .map(TraceContext::nextSpan)
            .orElseGet(TraceContext::newTrace);
    LogContext.setTrace(trace);
    response.setHeader(TraceContext.HEADER, trace.traceparent());
    try {
      chain.doFilter(request, response);
    } finally {
      LogContext.clear();
    }
  }
}
