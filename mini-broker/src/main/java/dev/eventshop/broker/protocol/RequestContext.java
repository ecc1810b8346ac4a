package dev.eventshop.broker.protocol;

import java.net.SocketAddress;
import java.util.function.LongConsumer;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Who sent a request and how: its header, the connection it arrived on, and the name of the
 * listener that accepted the connection (brokers are described to a client by that listener);
 * {@code muteFor} stops reading that connection for a number of milliseconds.
 */
public record RequestContext(
    RequestHeader header,
    String connectionId,
    SocketAddress clientAddress,
    String listenerName,
    LongConsumer muteFor) {

  /** A context whose connection is never muted. */
  public RequestContext(
      RequestHeader header, String connectionId, SocketAddress clientAddress, String listenerName) {
    this(header, connectionId, clientAddress, listenerName, ms -> {});
  }

  public short apiVersion() {
    return header.apiVersion();
  }

  public String clientId() {
    return header.clientId() == null ? "" : header.clientId();
  }

  /**
   * A client over its quota: the connection reads no request for {@code ms} milliseconds, as Kafka
   * mutes it (KIP-219), so that a client that ignores {@code throttle_time_ms} waits too.
   */
  public void throttle(long ms) {
    if (ms > 0) {
      muteFor.accept(ms);
    }
  }
}
