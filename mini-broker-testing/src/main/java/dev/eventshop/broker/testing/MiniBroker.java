package dev.eventshop.broker.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs mini-broker in-process for the tests of the annotated class, in the spirit of
 * spring-kafka-test's {@code @EmbeddedKafka}: one broker, or a cluster of {@link #nodes()}, on free
 * loopback ports with their logs in a temporary directory, started before the class's tests.
 *
 * <p>Test classes with equal settings share one broker (or cluster) for the whole test run, which
 * is stopped when the run ends, just as Spring's test context cache shares one application context:
 * a cached context keeps talking to the broker it started with. A test that stops a node starts it
 * again before it ends.
 *
 * <p>The bootstrap address is published as the system properties {@code
 * spring.kafka.bootstrap-servers} (so a Spring Boot test context started afterwards connects to it)
 * and {@code mini-broker.bootstrap-servers}, and a {@link MiniBrokerCluster} parameter can be
 * injected into test methods and lifecycle methods. Put this annotation above
 * {@code @SpringBootTest} so the broker starts before the context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(MiniBrokerExtension.class)
public @interface MiniBroker {

  /**
   * Nodes of the cluster: each is a broker and a voter of the Raft metadata quorum. With more than
   * one, topics are replicated on {@code min(nodes, 3)} of them and acks=all needs one fewer.
   */
  int nodes() default 1;

  /** Partitions of topics created automatically on first use. */
  int partitions() default 1;

  /** Extra broker properties, as {@code key=value} (Kafka's names). */
  String[] properties() default {};

  /** Whether to set {@code spring.kafka.bootstrap-servers} while the broker runs. */
  boolean springBootstrapServers() default true;
}
