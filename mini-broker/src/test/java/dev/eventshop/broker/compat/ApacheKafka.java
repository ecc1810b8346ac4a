package dev.eventshop.broker.compat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.LoggerFactory;

/**
 * Apache Kafka itself (one combined KRaft broker and controller, from the Maven Central artifacts)
 * started in the test JVM: the reference the differential tests compare mini-broker with. Startup
 * takes several seconds, so a test class starts one and shares it.
 */
final class ApacheKafka implements AutoCloseable {

  private final KafkaClusterTestKit cluster;

  private ApacheKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts a single-node cluster with the given broker configs (Kafka's property names). */
  static ApacheKafka start(Path baseDir, String... configs) throws Exception {
    // Kafka's Scala side logs every state change at INFO.
    for (String name : new String[] {"kafka", "state.change.logger", "org.apache.kafka"}) {
      ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.WARN);
    }
    TestKitNodes nodes =
        new TestKitNodes.Builder()
            .setCombined(true)
            .setNumBrokerNodes(1)
            .setNumControllerNodes(1)
            .setBaseDirectory(baseDir)
            .build();
    KafkaClusterTestKit.Builder builder =
        new KafkaClusterTestKit.Builder(nodes)
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1");
    for (String config : configs) {
      int eq = config.indexOf('=');
      builder.setConfigProp(config.substring(0, eq), config.substring(eq + 1));
    }
    KafkaClusterTestKit cluster = builder.build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return new ApacheKafka(cluster);
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
