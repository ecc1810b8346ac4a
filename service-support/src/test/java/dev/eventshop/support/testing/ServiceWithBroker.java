package dev.eventshop.support.testing;

import dev.eventshop.broker.testing.MiniBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;
import org.springframework.web.client.RestClient;

/**
 * Base of a service's integration tests: the whole service on a random port, with its database in a
 * temporary directory, against mini-broker started in-process (one node, topics of 3 partitions).
 * Every test class of a module that extends this shares one Spring context and one broker.
 *
 * <p>The broker's address reaches the service only through {@code spring.kafka.bootstrap-servers},
 * so another broker is one line away: to run these tests on Apache Kafka, replace the
 * {@code @MiniBroker} line by {@code @EmbeddedKafka(partitions = 3, bootstrapServersProperty =
 * "spring.kafka.bootstrap-servers")} (with spring-kafka-test as a test dependency). The shop's
 * Apache Kafka coverage is in shop-tests' end-to-end suite.
 */
@MiniBroker(partitions = 3)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServiceWithBroker {

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
