package dev.eventshop.support.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;
import org.springframework.web.client.RestClient;

/**
 * Base of a service's integration tests: the whole service on a random port, with its database in a
 * temporary directory, against a real Kafka broker started in-process (KRaft, one node). The
 * broker's address reaches the service only through {@code spring.kafka.bootstrap-servers}, so a
 * different broker can be swapped in here without touching the tests. Every test class of a module
 * that extends this shares one Spring context and one broker.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@EmbeddedKafka(
    partitions = 3,
    bootstrapServersProperty = "spring.kafka.bootstrap-servers",
    brokerProperties = {"group.initial.rebalance.delay.ms=0", "offsets.topic.replication.factor=1"})
public abstract class ServiceWithEmbeddedKafka {

  /** The service's data directory, shared by every test class of the cached context. */
  protected static final Path DATA_DIR = createDataDir();

  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry registry) {
    registry.add("shop.data-dir", DATA_DIR::toString);
    // Tests should not wait long for the retries of a failing record.
    registry.add("shop.kafka.retry.initial-interval", () -> "50ms");
  }

  @LocalServerPort protected int port;

  @Value("${spring.kafka.bootstrap-servers}")
  protected String bootstrapServers;

  /** A REST client for the service under test. */
  protected RestClient http() {
    return RestClient.builder().baseUrl("http://localhost:" + port).build();
  }

  private static Path createDataDir() {
    try {
      Path dir = Files.createTempDirectory("service-it-");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      FileSystemUtils.deleteRecursively(dir);
                    } catch (IOException e) {
                      // best effort: a temp directory
                    }
                  }));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
