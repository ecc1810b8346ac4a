package dev.eventshop.broker.protocol;

import java.net.InetSocketAddress;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;

/** The context a handler test passes: one request of a test client on one listener. */
public final class TestContexts {

  private TestContexts() {}

  public static RequestContext of(ApiKeys key, short version, String listener) {
    return new RequestContext(
        new RequestHeader(key, version, "test", 1),
        "test-connection",
        new InetSocketAddress("127.0.0.1", 50000),
        listener);
  }
}
