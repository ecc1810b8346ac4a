package dev.eventshop.broker.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

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
    long readyMs = millisSinceProcessStart();
    List<Listener> client = config.listeners().client();
    List<InetSocketAddress> bound = broker.boundAddresses();
    // A wildcard address is shown as configured (0.0.0.0), not as the IPv6 "any" it binds. A
    // controller-only node serves only its controller listener, the quorum's.
    String listeners =
        config.controllerOnly()
            ? config.listeners().controller().stream()
                .map(Listener::toString)
                .collect(Collectors.joining(","))
            : IntStream.range(0, bound.size())
                .mapToObj(
                    i ->
                        client.get(i).name()
                            + "://"
                            + (bound.get(i).getAddress().isAnyLocalAddress()
                                ? client.get(i).host()
                                : bound.get(i).getHostString())
                            + ":"
                            + bound.get(i).getPort())
                .collect(Collectors.joining(","));
    System.out.printf("mini-broker %d ready on %s in %d ms%n", config.nodeId(), listeners, readyMs);
    System.out.flush();
  }

  /**
   * How long ago this process started. On Linux from the kernel's own clocks: the process start in
   * {@code /proc/self/stat} and the time since boot in {@code /proc/uptime}, both to 10 ms. ({@code
   * ProcessHandle}'s start instant adds the boot time, which Linux gives in whole seconds, so it
   * was up to a second early and the ready line said up to a second too much.) Elsewhere from the
   * JVM's start, which misses only the launcher's first milliseconds.
   */
  static long millisSinceProcessStart() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // After "pid (command) ": the third field onwards; the start time is the 22nd, in ticks of
      // USER_HZ, which is 100 on every architecture Linux runs Java on.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(fields[22 - 3]);
      String uptime = Files.readString(Path.of("/proc/uptime"));
      double uptimeSeconds = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
      long sinceStart = Math.round(uptimeSeconds * 1000) - startTicks * 10;
      if (sinceStart >= 0) {
        return sinceStart;
      }
      // A container whose /proc/uptime counts from its own start (LXCFS): the JVM's clock then.
    } catch (IOException | RuntimeException e) {
      // Not Linux: the JVM's clock.
    }
    return ManagementFactory.getRuntimeMXBean().getUptime();
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
