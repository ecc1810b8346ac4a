package dev.eventshop.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the byte stream into Kafka request frames: a 4-byte big-endian size, then that many bytes.
 * The size is checked against {@code socket.request.max.bytes} as soon as its four bytes arrive,
 * before anything is allocated for the frame; an oversized or negative size closes the connection,
 * as Kafka does. Not shared: one instance per connection.
 */
final class FrameDecoder extends ByteToMessageDecoder {

  private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);

  private final int maxRequestBytes;

  FrameDecoder(int maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= 4) {
      int size = in.getInt(in.readerIndex());
      if (size < 0 || size > maxRequestBytes) {
        log.warn(
            "closing connection {}: request frame of {} bytes is outside 0..{} (socket.request.max.bytes)",
            ctx.channel().remoteAddress(),
            size,
            maxRequestBytes);
        in.skipBytes(in.readableBytes());
        ctx.close();
        return;
      }
      if (in.readableBytes() < 4 + size) {
        return;
      }
      in.skipBytes(4);
      out.add(in.readRetainedSlice(size));
    }
  }
}
