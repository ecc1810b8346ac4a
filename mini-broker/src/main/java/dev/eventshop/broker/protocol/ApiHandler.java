package dev.eventshop.broker.protocol;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Serves one Kafka API. Each handler states the version range whose semantics it fully implements;
 * {@link ApiVersionsHandler} advertises exactly these ranges, so the table of handlers is the only
 * place API support is declared.
 *
 * <p>Handlers run on a network thread and must not block: work that waits (a long-poll fetch, an
 * acks=all produce, a rebalance) completes the returned stage later from another thread.
 *
 * @param <R> the request type this handler parses
 */
public interface ApiHandler<R extends AbstractRequest> {

  ApiKeys apiKey();

  /** The lowest version advertised. */
  short minVersion();

  /** The highest version advertised. */
  short maxVersion();

  /**
   * The response body for {@code request}, or a stage completing with {@code null} when the request
   * gets no response at all (Produce with acks=0).
   */
  CompletionStage<ApiMessage> handle(RequestContext context, R request);
}
