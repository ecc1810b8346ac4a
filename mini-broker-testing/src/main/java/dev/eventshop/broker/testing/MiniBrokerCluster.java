package dev.eventshop.broker.testing;

import dev.eventshop.broker.server.Broker;
import dev.eventshop.broker.server.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A mini-broker running in this JVM for tests: its bootstrap address, and stop/restart on the same
 * port and data, as a broker process restart would. Created by {@link MiniBrokerExtension}, or
 * directly with {@link #start(Map)} in tests that manage it themselves.
 */
public final class MiniBrokerCluster implements AutoCloseable {

  private final Path dataDir;
  private final Map<String, String> properties;
  private Broker broker;

  private MiniBrokerCluster(Path dataDir, Map<String, String> properties, Broker broker) {
    this.dataDir = dataDir;
    this.properties = properties;
    this.broker = broker;
  }

  /** Starts one broker with these extra properties (Kafka's names) on a free loopback port. */
  public static MiniBrokerCluster start(Map<String, String> extra) {
    try {
      Path dataDir = Files.createTempDirectory("mini-broker-test");
      Map<String, String> props = new LinkedHashMap<>();
      props.put("listeners", "PLAINTEXT://127.0.0.1:0");
      props.put("log.dirs", dataDir.resolve("logs").toString());
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("offsets.topic.num.partitions", "5");
      props.putAll(extra);
      return new MiniBrokerCluster(dataDir, props, new Broker(BrokerConfig.of(props)).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** host:port for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** Stops the broker and starts it again on the same port with the same data. */
  public void restart() {
    int port = broker.boundAddresses().get(0).getPort();
    broker.close();
    Map<String, String> props = new LinkedHashMap<>(properties);
    props.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
    try {
      broker = new Broker(BrokerConfig.of(props)).start();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops the broker and deletes its data. */
  @Override
  public void close() {
    broker.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
