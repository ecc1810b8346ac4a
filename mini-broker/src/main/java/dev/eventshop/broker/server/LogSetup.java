package dev.eventshop.broker.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The broker's logging, set up in code rather than from a logback.xml: parsing XML at start-up
 * loads some 450 classes and costs a good part of the time to the ready line. One line an event on
 * standard output; the root level comes from {@code MINI_BROKER_LOG_LEVEL} (default INFO); Kafka's
 * classes, Netty and Ratis log warnings only. A {@code logback.configurationFile} system property,
 * or a logback-test.xml or logback.xml on the classpath, still takes over, as logback users expect.
 * Registered in META-INF/services, so it applies wherever the broker's jar is on the classpath.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase
    implements ch.qos.logback.classic.spi.Configurator {

  private static final Map<String, Level> QUIET =
      Map.of(
          "org.apache.kafka", Level.WARN, "io.netty", Level.WARN, "org.apache.ratis", Level.WARN);

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogSetup.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null
        || loader.getResource("logback-test.xml") != null
        || loader.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDOUT");
    console.setEncoder(encoder);
    console.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(console);
    String level = System.getenv("MINI_BROKER_LOG_LEVEL");
    root.setLevel(Level.toLevel(level, Level.INFO));
    QUIET.forEach((name, quiet) -> context.getLogger(name).setLevel(quiet));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
