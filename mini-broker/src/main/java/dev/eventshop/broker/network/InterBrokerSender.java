package dev.eventshop.broker.network;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * Requests from this broker to others, one {@link BrokerChannel} and one sender thread per
 * destination, so that a slow broker delays only what goes to it. A request that fails on the wire
 * closes its channel (the next request connects again) and completes exceptionally with the
 * IOException, which the caller answers or retries as its protocol wants. Requests still waiting
 * when the sender closes complete with BrokerNotAvailableException.
 */
public final class InterBrokerSender implements AutoCloseable {

  private final String clientId;
  private final int requestTimeoutMs;
  private final Map<Integer, ExecutorService> senders = new ConcurrentHashMap<>();
  private final Map<Integer, BrokerChannel> channels = new ConcurrentHashMap<>();
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param clientId the client id of every request, naming the sender in the receiver's logs
   */
  public InterBrokerSender(String clientId, int requestTimeoutMs) {
    this.clientId = clientId;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /** Sends {@code body} to {@code node} on its sender thread; completes with the response. */
  public <T extends AbstractResponse> CompletableFuture<T> send(
      Node node, ApiKeys key, short version, ApiMessage body) {
    ExecutorService sender =
        senders.computeIfAbsent(
            node.id(),
            id ->
                Executors.newSingleThreadExecutor(
                    r -> {
                      Thread t = new Thread(r, clientId + "-to-" + id);
                      t.setDaemon(true);
                      return t;
                    }));
    CompletableFuture<T> response;
    try {
      response = CompletableFuture.supplyAsync(() -> sendNow(node, key, version, body), sender);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new BrokerNotAvailableException("closed"));
    }
    pending.add(response);
    response.whenComplete((r, e) -> pending.remove(response));
    if (closed) {
      response.completeExceptionally(new BrokerNotAvailableException("closed"));
    }
    return response;
  }

  /** On the node's sender thread. */
  private <T extends AbstractResponse> T sendNow(
      Node node, ApiKeys key, short version, ApiMessage body) {
    try {
      BrokerChannel channel = channels.get(node.id());
      if (channel == null) {
        channel = new BrokerChannel(node.host(), node.port(), clientId, requestTimeoutMs);
        channels.put(node.id(), channel);
        if (closed) {
          channels.remove(node.id());
          channel.close(); // close() ran while this connected
          throw new BrokerNotAvailableException("closed");
        }
      }
      return channel.send(key, version, body);
    } catch (IOException | RuntimeException e) {
      BrokerChannel broken = channels.remove(node.id());
      if (broken != null) {
        broken.close();
      }
      throw new CompletionException(e);
    }
  }

  @Override
  public void close() {
    closed = true;
    senders.values().forEach(ExecutorService::shutdownNow);
    channels.values().forEach(BrokerChannel::close);
    // A request the shut-down thread never ran would otherwise never complete.
    pending.forEach(f -> f.completeExceptionally(new BrokerNotAvailableException("closed")));
  }
}
