package dev.eventshop.broker.group;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * A growable big-endian buffer for the keys and values of {@code __consumer_offsets} records, in
 * the field encodings of Kafka's protocol: fixed-width integers, int16-length strings, and the
 * compact (unsigned varint) forms of flexible versions. Not thread-safe; one record at a time.
 */
final class RecordWriter {

  private ByteBuffer buf = ByteBuffer.allocate(128);

  private void ensure(int n) {
    if (buf.remaining() < n) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
  }

  RecordWriter int8(byte v) {
    ensure(1);
    buf.put(v);
    return this;
  }

  RecordWriter int16(short v) {
    ensure(2);
    buf.putShort(v);
    return this;
  }

  RecordWriter int32(int v) {
    ensure(4);
    buf.putInt(v);
    return this;
  }

  RecordWriter int64(long v) {
    ensure(8);
    buf.putLong(v);
    return this;
  }

  RecordWriter uvarint(int v) {
    ensure(5);
    ByteUtils.writeUnsignedVarint(v, buf);
    return this;
  }

  RecordWriter uuid(Uuid id) {
    return int64(id.getMostSignificantBits()).int64(id.getLeastSignificantBits());
  }

  /** A string: int16 length (-1: null) and UTF-8 bytes. */
  RecordWriter string(String s) {
    if (s == null) {
      return int16((short) -1);
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > Short.MAX_VALUE) {
      throw new IllegalArgumentException("string of " + bytes.length + " bytes is too long");
    }
    int16((short) bytes.length);
    return raw(bytes);
  }

  /** A compact (nullable) string: unsigned varint length + 1 (0: null) and UTF-8 bytes. */
  RecordWriter compactString(String s) {
    if (s == null) {
      return uvarint(0);
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    uvarint(bytes.length + 1);
    return raw(bytes);
  }

  /** Bytes: int32 length and the bytes (null written as empty). */
  RecordWriter bytes(byte[] b) {
    byte[] bytes = b == null ? new byte[0] : b;
    int32(bytes.length);
    return raw(bytes);
  }

  /** Compact bytes: unsigned varint length + 1 and the bytes (null written as empty). */
  RecordWriter compactBytes(byte[] b) {
    byte[] bytes = b == null ? new byte[0] : b;
    uvarint(bytes.length + 1);
    return raw(bytes);
  }

  /** No tagged fields, at the end of a flexible-version struct. */
  RecordWriter noTags() {
    return uvarint(0);
  }

  RecordWriter raw(byte[] bytes) {
    ensure(bytes.length);
    buf.put(bytes);
    return this;
  }

  byte[] toBytes() {
    byte[] out = new byte[buf.position()];
    System.arraycopy(buf.array(), 0, out, 0, out.length);
    return out;
  }
}
