package dev.eventshop.broker.protocol;

import java.net.SocketAddress;
import org.apache.kafka.common.requests.RequestHeader;

/** Who sent a request and how: its header and the connection it arrived on. */
public record RequestContext(
    RequestHeader header, String connectionId, SocketAddress clientAddress) {

  public short apiVersion() {
    return header.apiVersion();
  }

  public String clientId() {
    return header.clientId() == null ? "" : header.clientId();
  }
}
