package dev.eventshop.broker.network;

import dev.eventshop.broker.log.FileSlice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultFileRegion;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * Serializes a response into the parts Netty writes: heap-free {@link ByteBuf}s for the protocol
 * fields, and a {@link DefaultFileRegion} for every slice of a segment file, so that record data
 * goes from the page cache to the socket by sendfile without passing through the Java heap.
 */
final class ResponseWritable implements Writable {

  private final ByteBufAllocator alloc;
  private final List<Object> parts = new ArrayList<>();
  private ByteBuf current;

  ResponseWritable(ByteBufAllocator alloc, int expectedBytes) {
    this.alloc = alloc;
    this.current = alloc.directBuffer(Math.max(64, expectedBytes));
  }

  /** The parts to write, in order; the caller owns them. */
  List<Object> finish() {
    flushCurrent();
    return parts;
  }

  /** Releases whatever was built when serialization fails half-way. */
  void discard() {
    flushCurrent();
    for (Object part : parts) {
      io.netty.util.ReferenceCountUtil.release(part);
    }
    parts.clear();
  }

  private void flushCurrent() {
    if (current != null) {
      if (current.isReadable()) {
        parts.add(current);
      } else {
        current.release();
      }
      current = null;
    }
  }

  private ByteBuf buf() {
    if (current == null) {
      current = alloc.directBuffer(256);
    }
    return current;
  }

  @Override
  public void writeRecords(BaseRecords records) {
    if (records instanceof FileSlice file) {
      if (file.sizeInBytes() > 0) {
        flushCurrent();
        parts.add(new SegmentFileRegion(file));
      }
    } else if (records instanceof MemoryRecords memory) {
      writeByteBuffer(memory.buffer());
    } else {
      throw new IllegalArgumentException("unsupported records type " + records.getClass());
    }
  }

  /**
   * A file region over a segment's channel that leaves the channel open when released: the segment
   * owns it and keeps appending and reading through it. (Netty's DefaultFileRegion closes its
   * channel on release, which after the first fetch made every later append to that segment fail.)
   */
  private static final class SegmentFileRegion extends DefaultFileRegion {

    SegmentFileRegion(FileSlice slice) {
      super(slice.channel(), slice.position(), slice.sizeInBytes());
    }

    @Override
    protected void deallocate() {}
  }

  @Override
  public void writeByte(byte val) {
    buf().writeByte(val);
  }

  @Override
  public void writeShort(short val) {
    buf().writeShort(val);
  }

  @Override
  public void writeInt(int val) {
    buf().writeInt(val);
  }

  @Override
  public void writeLong(long val) {
    buf().writeLong(val);
  }

  @Override
  public void writeDouble(double val) {
    buf().writeDouble(val);
  }

  @Override
  public void writeByteArray(byte[] arr) {
    buf().writeBytes(arr);
  }

  @Override
  public void writeUnsignedVarint(int i) {
    ByteBuf b = buf();
    int value = i;
    while ((value & 0xffffff80) != 0L) {
      b.writeByte((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    b.writeByte(value);
  }

  @Override
  public void writeByteBuffer(ByteBuffer src) {
    buf().writeBytes(src.duplicate());
  }

  @Override
  public void writeVarint(int i) {
    writeUnsignedVarint((i << 1) ^ (i >> 31));
  }

  @Override
  public void writeVarlong(long v) {
    ByteBuf b = buf();
    long value = (v << 1) ^ (v >> 63);
    while ((value & 0xffffffffffffff80L) != 0L) {
      b.writeByte(((int) value & 0x7f) | 0x80);
      value >>>= 7;
    }
    b.writeByte((int) value);
  }
}
