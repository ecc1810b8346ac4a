package dev.eventshop.broker.server;

import dev.eventshop.broker.network.SocketServer;
import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.ApiTable;
import dev.eventshop.broker.protocol.ApiVersionsHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mini-broker node: wires storage, coordinators and protocol handlers together and serves them
 * on the configured listeners. {@link #start()} returns once clients can connect.
 */
public final class Broker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Broker.class);

  private final BrokerConfig config;
  private final List<InetSocketAddress> boundAddresses = new ArrayList<>();
  private SocketServer socketServer;
  private ApiTable apis;

  public Broker(BrokerConfig config) {
    this.config = config;
  }

  public Broker start() throws InterruptedException {
    ApiVersionsHandler apiVersions = new ApiVersionsHandler(() -> apis);
    List<ApiHandler<?>> handlers = new ArrayList<>();
    handlers.add(apiVersions);
    apis = new ApiTable(handlers);

    socketServer = new SocketServer(config.getInt(BrokerProperty.NUM_NETWORK_THREADS));
    try {
      for (Listener listener : config.listeners()) {
        boundAddresses.add(
            socketServer.bind(
                listener,
                apis,
                apiVersions,
                config.getInt(BrokerProperty.SOCKET_REQUEST_MAX_BYTES)));
      }
    } catch (RuntimeException | InterruptedException e) {
      close();
      throw e;
    }
    return this;
  }

  /** The addresses the listeners are bound to, in the order of {@code listeners}. */
  public List<InetSocketAddress> boundAddresses() {
    return List.copyOf(boundAddresses);
  }

  /** host:port of the first listener, as a client's bootstrap.servers. */
  public String bootstrapServers() {
    InetSocketAddress first = boundAddresses.get(0);
    return first.getHostString() + ":" + first.getPort();
  }

  public BrokerConfig config() {
    return config;
  }

  @Override
  public void close() {
    if (socketServer != null) {
      socketServer.close();
      socketServer = null;
    }
    log.info("mini-broker {} stopped", config.nodeId());
  }
}
