package dev.eventshop.broker;

import dev.eventshop.broker.server.Broker;
import dev.eventshop.broker.server.BrokerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Starts an in-process broker on a free loopback port with its logs in a test directory. */
public final class RunningBroker {

  private RunningBroker() {}

  public static Broker start(Path logDir, String... overrides) throws InterruptedException {
    return new Broker(config(logDir, overrides)).start();
  }

  public static BrokerConfig config(Path logDir, String... overrides) {
    Map<String, String> props = new HashMap<>();
    props.put("listeners", "PLAINTEXT://127.0.0.1:0");
    props.put("log.dirs", logDir.toString());
    props.put("group.initial.rebalance.delay.ms", "0");
    for (String override : overrides) {
      int eq = override.indexOf('=');
      props.put(override.substring(0, eq), override.substring(eq + 1));
    }
    return BrokerConfig.of(props);
  }

  /** Restarts on the same port and logs, as a process restart would. */
  public static Broker restart(Broker broker, String... overrides) throws InterruptedException {
    broker.close();
    Map<String, String> props = new HashMap<>(broker.config().asStrings());
    props.put("listeners", "PLAINTEXT://127.0.0.1:" + broker.boundAddresses().get(0).getPort());
    for (String override : overrides) {
      int eq = override.indexOf('=');
      props.put(override.substring(0, eq), override.substring(eq + 1));
    }
    return new Broker(BrokerConfig.of(props)).start();
  }
}
