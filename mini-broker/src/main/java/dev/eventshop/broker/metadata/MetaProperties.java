package dev.eventshop.broker.metadata;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.Uuid;

/**
 * {@code meta.properties} in a log directory, as Kafka writes it: the cluster id and the node id
 * that own the directory. A directory of another node is refused at start-up.
 */
public final class MetaProperties {

  private MetaProperties() {}

  /** The cluster id recorded in {@code logDir}, creating the file with a new id if absent. */
  public static String readOrCreate(Path logDir, int nodeId) throws IOException {
    Optional<String> recorded = recordedClusterId(logDir, nodeId);
    if (recorded.isPresent()) {
      return recorded.get();
    }
    String clusterId = Uuid.randomUuid().toString();
    record(logDir, nodeId, clusterId);
    return clusterId;
  }

  /**
   * The cluster id recorded in {@code logDir}, if any.
   *
   * @throws IllegalStateException if the directory belongs to another node
   */
  public static Optional<String> recordedClusterId(Path logDir, int nodeId) throws IOException {
    Path file = logDir.resolve("meta.properties");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    }
    String recordedNode = props.getProperty("node.id");
    if (recordedNode != null && Integer.parseInt(recordedNode.trim()) != nodeId) {
      throw new IllegalStateException(
          "%s belongs to node %s, not to node.id %d".formatted(logDir, recordedNode, nodeId));
    }
    return Optional.ofNullable(props.getProperty("cluster.id"));
  }

  /** Records {@code clusterId} as the cluster owning {@code logDir} (atomically replaced). */
  public static void record(Path logDir, int nodeId, String clusterId) throws IOException {
    Properties props = new Properties();
    props.setProperty("version", "1");
    props.setProperty("cluster.id", clusterId);
    props.setProperty("node.id", String.valueOf(nodeId));
    Files.createDirectories(logDir);
    Path file = logDir.resolve("meta.properties");
    Path tmp = logDir.resolve("meta.properties.tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      props.store(out, "mini-broker");
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
