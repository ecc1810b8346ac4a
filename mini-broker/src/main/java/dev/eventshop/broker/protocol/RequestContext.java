package dev.eventshop.broker.protocol;

import java.net.SocketAddress;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Who sent a request and how: its header, the connection it arrived on, and the name of the
 * listener that accepted the connection (brokers are described to a client by that listener).
 */
public record RequestContext(
    RequestHeader header, String connectionId, SocketAddress clientAddress, String listenerName) {

  public short apiVersion() {
    return header.apiVersion();
  }

  public String clientId() {
    return header.clientId() == null ? "" : header.clientId();
  }
}
