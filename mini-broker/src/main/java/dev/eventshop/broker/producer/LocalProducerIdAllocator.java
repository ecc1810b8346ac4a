package dev.eventshop.broker.producer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Producer ids from this node: {@code node.id} in the high bits (so nodes of a cluster never hand
 * out the same id without asking each other) and a counter in the low 40 bits, reserved in blocks
 * of {@value #BLOCK_SIZE} whose end is persisted in {@code producer-id-block} before any id of the
 * block is used, so a restart never hands out an id twice. Thread-safe.
 */
public final class LocalProducerIdAllocator implements ProducerIdAllocator {

  static final int BLOCK_SIZE = 1000;

  private final Path file;
  private long next;
  private long blockEnd;

  private final long nodeBits;

  public LocalProducerIdAllocator(Path logDir, int nodeId) {
    this.nodeBits = (long) nodeId << 40;
    this.file = logDir.resolve("producer-id-block");
    try {
      long reservedEnd =
          Files.exists(file)
              ? Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim())
              : 0;
      this.next = reservedEnd;
      this.blockEnd = reservedEnd;
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
  }

  @Override
  public synchronized long nextProducerId() {
    if (next >= blockEnd) {
      blockEnd = next + BLOCK_SIZE;
      try {
        Path tmp = file.resolveSibling("producer-id-block.tmp");
        Files.writeString(tmp, blockEnd + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot reserve producer ids in " + file, e);
      }
    }
    return nodeBits | next++;
  }
}
