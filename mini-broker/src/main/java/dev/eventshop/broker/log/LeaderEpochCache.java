package dev.eventshop.broker.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Which leader epoch wrote which range of offsets: a list of (epoch, start offset), both
 * increasing, persisted as Kafka's {@code leader-epoch-checkpoint} file (version line, count line,
 * then "epoch startOffset" lines). A returning replica asks the leader for the end of its latest
 * epoch (OffsetForLeaderEpoch) and truncates what the leader never had. Thread-safe.
 */
public final class LeaderEpochCache {

  /** One epoch and the first offset written in it. */
  public record EpochEntry(int epoch, long startOffset) {}

  /**
   * The answer to OffsetForLeaderEpoch: the largest epoch at or below the asked one, and its end.
   */
  public record EpochEnd(int epoch, long endOffset) {}

  private final Path file;
  private final List<EpochEntry> entries = new ArrayList<>();

  LeaderEpochCache(Path dir) throws IOException {
    this.file = dir.resolve("leader-epoch-checkpoint");
    if (Files.exists(file)) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (lines.size() >= 2 && lines.get(0).trim().equals("0")) {
        int count = Integer.parseInt(lines.get(1).trim());
        for (int i = 0; i < count && i + 2 < lines.size(); i++) {
          String[] parts = lines.get(i + 2).trim().split("\\s+");
          entries.add(new EpochEntry(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
        }
      }
    }
  }

  /**
   * Notes that {@code epoch} starts writing at {@code offset}; older or equal epochs are ignored.
   */
  public synchronized void assign(int epoch, long offset) throws IOException {
    if (epoch < 0) {
      return;
    }
    EpochEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
    if (last != null && epoch <= last.epoch()) {
      return;
    }
    entries.add(new EpochEntry(epoch, offset));
    write();
  }

  public synchronized int latestEpoch() {
    return entries.isEmpty() ? -1 : entries.get(entries.size() - 1).epoch();
  }

  /**
   * The largest epoch at or below {@code requested} and the offset where the next epoch starts (or
   * the log end offset when it is the latest); (-1, -1) if none is known.
   */
  public synchronized EpochEnd endOffsetFor(int requested, long logEndOffset) {
    for (int i = entries.size() - 1; i >= 0; i--) {
      EpochEntry e = entries.get(i);
      if (e.epoch() <= requested) {
        long end = i + 1 < entries.size() ? entries.get(i + 1).startOffset() : logEndOffset;
        return new EpochEnd(e.epoch(), end);
      }
    }
    return new EpochEnd(-1, -1);
  }

  /** Forgets epochs that start at or after {@code offset} (the log was truncated there). */
  public synchronized void truncateFromEnd(long offset) throws IOException {
    boolean changed = entries.removeIf(e -> e.startOffset() >= offset);
    if (changed) {
      write();
    }
  }

  /** Moves the start of the oldest kept epoch to the new log start offset. */
  public synchronized void truncateFromStart(long logStartOffset) throws IOException {
    int firstKept = 0;
    while (firstKept + 1 < entries.size()
        && entries.get(firstKept + 1).startOffset() <= logStartOffset) {
      firstKept++;
    }
    if (firstKept > 0 || (!entries.isEmpty() && entries.get(0).startOffset() < logStartOffset)) {
      int epoch = entries.get(firstKept).epoch();
      entries.subList(0, firstKept + 1).clear();
      entries.add(0, new EpochEntry(epoch, logStartOffset));
      write();
    }
  }

  public synchronized List<EpochEntry> entries() {
    return List.copyOf(entries);
  }

  private void write() throws IOException {
    StringBuilder out = new StringBuilder("0\n").append(entries.size()).append('\n');
    for (EpochEntry e : entries) {
      out.append(e.epoch()).append(' ').append(e.startOffset()).append('\n');
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, out, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
