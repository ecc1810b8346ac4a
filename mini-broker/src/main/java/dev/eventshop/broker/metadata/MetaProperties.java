package dev.eventshop.broker.metadata;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    Path file = logDir.resolve("meta.properties");
    Properties props = new Properties();
    if (Files.exists(file)) {
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        props.load(in);
      }
      String recordedNode = props.getProperty("node.id");
      if (recordedNode != null && Integer.parseInt(recordedNode.trim()) != nodeId) {
        throw new IllegalStateException(
            "%s belongs to node %s, not to node.id %d".formatted(logDir, recordedNode, nodeId));
      }
      return props.getProperty("cluster.id");
    }
    String clusterId = Uuid.randomUuid().toString();
    props.setProperty("version", "1");
    props.setProperty("cluster.id", clusterId);
    props.setProperty("node.id", String.valueOf(nodeId));
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      props.store(out, "mini-broker");
    }
    return clusterId;
  }
}
