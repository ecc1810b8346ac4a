package dev.eventshop.broker.server;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The command line, shaped like Kafka's start script: {@code mini-broker server.properties
 * [--override key=value ...]}. Exit code 2 on a configuration error, naming the key.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    BrokerConfig config;
    try {
      config = parseArguments(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("mini-broker: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("mini-broker: " + e.getMessage());
      System.err.println("usage: mini-broker <server.properties> [--override key=value ...]");
      System.exit(2);
      return;
    }
    Broker broker;
    try {
      broker = new Broker(config).start();
    } catch (RuntimeException e) {
      System.err.println("mini-broker: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "mini-broker-shutdown"));
    long startedMs =
        ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    long readyMs =
        startedMs == 0 ? -1 : Duration.ofMillis(System.currentTimeMillis() - startedMs).toMillis();
    String listeners =
        broker.boundAddresses().stream()
            .map(a -> "PLAINTEXT://" + a.getHostString() + ":" + a.getPort())
            .collect(Collectors.joining(","));
    System.out.printf("mini-broker %d ready on %s in %d ms%n", config.nodeId(), listeners, readyMs);
    System.out.flush();
  }

  static BrokerConfig parseArguments(String[] args, java.util.Map<String, String> env) {
    Path file = null;
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--override")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--override needs key=value");
        }
        overrides.add(args[++i]);
      } else if (file == null && !args[i].startsWith("--")) {
        file = Path.of(args[i]);
      } else {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
      }
    }
    if (file == null) {
      throw new IllegalArgumentException("missing the configuration file");
    }
    return BrokerConfig.load(file, env, overrides);
  }
}
