package dev.eventshop.broker.network;

import dev.eventshop.broker.protocol.ApiHandler;
import dev.eventshop.broker.protocol.ApiTable;
import dev.eventshop.broker.protocol.ApiVersionsHandler;
import dev.eventshop.broker.protocol.RequestContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: parses each request frame, hands it to the handler of its API and writes
 * the responses back in the order the requests arrived, however late each handler completes.
 *
 * <p>A malformed frame, an unknown API key or an unsupported version of any API but ApiVersions
 * closes this connection only, after one log line naming the connection and the API. All state is
 * confined to the channel's event loop.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(KafkaConnection.class);

  /** A request whose response is not written yet. {@code body == null && done} means none. */
  private static final class Pending {
    final RequestHeader header;
    ApiMessage body;
    boolean done;

    Pending(RequestHeader header) {
      this.header = header;
    }
  }

  private final String listenerName;
  private final Supplier<ApiTable> apis;
  private final ApiVersionsHandler apiVersions;
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private String connectionId;
  private long mutedUntilNanos;
  private final ArrayDeque<ByteBuf> held = new ArrayDeque<>(); // frames received while muted

  /** The longest mute (an hour): a throttle time is far shorter, and the sum cannot overflow. */
  private static final long MAX_MUTE_MS = 3_600_000;

  /** The table is supplied once the broker has finished starting; until then connections close. */
  KafkaConnection(String listenerName, Supplier<ApiTable> apis, ApiVersionsHandler apiVersions) {
    this.listenerName = listenerName;
    this.apis = apis;
    this.apiVersions = apiVersions;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.connectionId = ctx.channel().localAddress() + "-" + ctx.channel().remoteAddress();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!ctx.channel().config().isAutoRead()) {
      // Muted (a client over its quota): frames that arrived before the mute took hold wait too.
      held.add((ByteBuf) msg);
      return;
    }
    serve(ctx, (ByteBuf) msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseHeld();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseHeld();
  }

  private void releaseHeld() {
    for (ByteBuf frame = held.poll(); frame != null; frame = held.poll()) {
      frame.release();
    }
  }

  private void serve(ChannelHandlerContext ctx, ByteBuf frame) {
    ByteBuffer buffer;
    try {
      // Copied to the heap: parsed requests (Produce's records) keep slices of this buffer.
      buffer = ByteBuffer.allocate(frame.readableBytes());
      frame.readBytes(buffer);
      buffer.flip();
    } finally {
      frame.release();
    }
    RequestHeader header;
    try {
      header = RequestHeader.parse(buffer);
    } catch (RuntimeException e) {
      close("cannot parse request header: " + e.getMessage());
      return;
    }
    ApiKeys key = header.apiKey();
    short version = header.apiVersion();
    ApiTable table = apis.get();
    if (table == null) {
      close("the broker is still starting");
      return;
    }
    ApiHandler<?> handler = table.handler(key);
    if (handler == null) {
      close("API %s is not supported".formatted(key));
      return;
    }
    if (version < handler.minVersion() || version > handler.maxVersion()) {
      if (key == ApiKeys.API_VERSIONS) {
        Pending pending = new Pending(header);
        inFlight.add(pending);
        complete(pending, apiVersions.unsupportedVersionResponse());
        return;
      }
      close(
          "%s version %d is outside the supported range %d..%d"
              .formatted(key, version, handler.minVersion(), handler.maxVersion()));
      return;
    }
    AbstractRequest request;
    try {
      request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buffer)).request;
    } catch (RuntimeException e) {
      close("cannot parse %s v%d request: %s".formatted(key, version, e.getMessage()));
      return;
    }
    Pending pending = new Pending(header);
    inFlight.add(pending);
    RequestContext context =
        new RequestContext(
            header, connectionId, ctx.channel().remoteAddress(), listenerName, this::muteFor);
    CompletionStage<ApiMessage> response;
    try {
      response = dispatch(handler, context, request);
    } catch (RuntimeException e) {
      response = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    response.whenComplete(
        (body, error) -> {
          ApiMessage result = body;
          if (error != null) {
            log.error("{} v{} from {} failed", key, version, connectionId, error);
            result = request.getErrorResponse(0, error).data();
          }
          ApiMessage finalResult = result;
          if (ctx.executor().inEventLoop()) {
            complete(pending, finalResult);
          } else {
            ctx.executor().execute(() -> complete(pending, finalResult));
          }
        });
  }

  @SuppressWarnings("unchecked")
  private static <R extends AbstractRequest> CompletionStage<ApiMessage> dispatch(
      ApiHandler<R> handler, RequestContext context, AbstractRequest request) {
    return handler.handle(context, (R) request);
  }

  private void complete(Pending pending, ApiMessage body) {
    pending.body = body;
    pending.done = true;
    boolean wrote = false;
    while (!inFlight.isEmpty() && inFlight.peek().done) {
      Pending head = inFlight.poll();
      if (head.body != null && ctx.channel().isActive()) {
        write(head.header, head.body);
        wrote = true;
      }
    }
    if (wrote) {
      ctx.flush();
    }
  }

  private void write(RequestHeader header, ApiMessage body) {
    short version =
        header.apiKey() == ApiKeys.API_VERSIONS && header.apiVersion() > apiVersions.maxVersion()
            ? 0
            : header.apiVersion();
    short headerVersion = header.apiKey().responseHeaderVersion(version);
    ResponseHeaderData responseHeader =
        new ResponseHeaderData().setCorrelationId(header.correlationId());
    ObjectSerializationCache cache = new ObjectSerializationCache();
    int size = responseHeader.size(cache, headerVersion) + body.size(cache, version);
    ResponseWritable out = new ResponseWritable(ctx.alloc(), Math.min(size + 4, 16 * 1024));
    List<Object> parts;
    try {
      out.writeInt(size);
      responseHeader.write(out, cache, headerVersion);
      body.write(out, cache, version);
      parts = out.finish();
    } catch (RuntimeException e) {
      out.discard();
      log.error(
          "cannot serialize {} v{} response for {}", header.apiKey(), version, connectionId, e);
      ctx.close();
      return;
    }
    for (Object part : parts) {
      ctx.write(part, ctx.voidPromise());
    }
  }

  /** Reads nothing from this connection for {@code ms}, or longer if muted longer already. */
  private void muteFor(long ms) {
    if (!ctx.executor().inEventLoop()) {
      ctx.executor().execute(() -> muteFor(ms));
      return;
    }
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(ms, MAX_MUTE_MS));
    if (ctx.channel().config().isAutoRead()) {
      mutedUntilNanos = until;
      ctx.channel().config().setAutoRead(false);
      ctx.executor()
          .schedule(this::unmuteWhenDue, Math.min(ms, MAX_MUTE_MS), TimeUnit.MILLISECONDS);
    } else if (until - mutedUntilNanos > 0) {
      mutedUntilNanos = until; // the scheduled unmute waits for the rest
    }
  }

  private void unmuteWhenDue() {
    long left = mutedUntilNanos - System.nanoTime();
    if (left > 0) {
      ctx.executor().schedule(this::unmuteWhenDue, left, TimeUnit.NANOSECONDS);
      return;
    }
    ctx.channel().config().setAutoRead(true);
    // Serve what was held, in order, until one of them mutes the connection again.
    while (!held.isEmpty() && ctx.channel().config().isAutoRead() && ctx.channel().isActive()) {
      serve(ctx, held.poll());
    }
  }

  private void close(String reason) {
    log.warn("closing connection {}: {}", connectionId, reason);
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      log.debug("connection {} failed: {}", connectionId, cause.toString());
    } else {
      log.warn("closing connection {} after an unexpected error", connectionId, cause);
    }
    ctx.close();
  }
}
