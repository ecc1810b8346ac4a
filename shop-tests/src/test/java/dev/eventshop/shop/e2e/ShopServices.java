package dev.eventshop.shop.e2e;

import dev.eventshop.broker.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The four services of the shop, each in its own JVM on a free loopback port, pointed at one broker
 * through {@code SPRING_KAFKA_BOOTSTRAP_SERVERS} and nothing else. They start in parallel (no
 * service needs another one to start: they only share topics). {@link #close()} stops every process
 * this object started; a JVM shutdown hook does the same if the test JVM is ended first.
 */
public final class ShopServices implements AutoCloseable {

  /** The services, named after their Maven modules (and their jars). */
  public enum Service {
    ORDER("order-service"),
    PAYMENT("payment-service"),
    INVENTORY("inventory-service"),
    NOTIFICATION("notification-service");

    final String module;

    Service(String module) {
      this.module = module;
    }

    public String module() {
      return module;
    }
  }

  /**
   * How long a service may take to become healthy. Generous: four Spring Boot JVMs starting at once
   * on 2 cores shared with other builds took over 3 minutes at a load average of 18.
   */
  static final Duration START_TIMEOUT = Duration.ofMinutes(6);

  private final Map<Service, ServiceProcess> processes;
  private final Thread shutdownHook;

  private ShopServices(Map<Service, ServiceProcess> processes) {
    this.processes = processes;
    this.shutdownHook = new Thread(this::killAll, "shop-services-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts all four services and waits until each is healthy.
   *
   * @param root the repository, whose {@code <module>/target/<module>.jar} are run
   * @param dataDir where each service keeps its database and log
   * @param jvmOptions for every service JVM
   * @param environment extra settings for every service (Spring's environment variable names)
   */
  public static ShopServices start(
      Path root,
      String bootstrapServers,
      Path dataDir,
      List<String> jvmOptions,
      Map<String, String> environment)
      throws InterruptedException {
    List<Integer> ports = FreePorts.choose(Service.values().length);
    Map<Service, ServiceProcess> processes = new EnumMap<>(Service.class);
    for (Service service : Service.values()) {
      Path jar = root.resolve(service.module).resolve("target").resolve(service.module + ".jar");
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            jar + " is missing: build it first (./mvnw -pl " + service.module + " package)");
      }
      Map<String, String> env = new java.util.HashMap<>(environment);
      env.put("SPRING_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
      processes.put(
          service,
          new ServiceProcess(
              service.module,
              jar,
              ports.get(service.ordinal()),
              dataDir.resolve(service.module),
              jvmOptions,
              env));
    }
    ShopServices shop = new ShopServices(processes);
    try {
      processes.values().forEach(ServiceProcess::start);
      shop.awaitHealthy(processes.values());
      return shop;
    } catch (RuntimeException | InterruptedException e) {
      shop.close();
      throw e;
    }
  }

  public ServiceProcess get(Service service) {
    return processes.get(service);
  }

  public String url(Service service) {
    return processes.get(service).url();
  }

  /** SIGKILLs one service, as a crash would. */
  public void kill(Service service) throws InterruptedException {
    processes.get(service).kill();
  }

  /** Starts one (stopped or killed) service again, same port and data, and waits for it. */
  public void restart(Service service) throws InterruptedException {
    ServiceProcess process = processes.get(service);
    process.start();
    awaitHealthy(List.of(process));
  }

  private void awaitHealthy(Iterable<ServiceProcess> starting) throws InterruptedException {
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    for (ServiceProcess process : starting) {
      waits.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  process.awaitHealthy(START_TIMEOUT);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new IllegalStateException(e);
                }
              }));
    }
    try {
      CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** Stops every service (SIGTERM, then SIGKILL after 30 s). */
  @Override
  public void close() throws InterruptedException {
    // Every service is stopped even when one fails to; the first failure is thrown with the
    // others suppressed.
    RuntimeException failure = null;
    try {
      for (ServiceProcess process : processes.values()) {
        try {
          process.stop();
        } catch (RuntimeException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or about to: it kills what is left.
      }
    }
  }

  private void killAll() {
    for (ServiceProcess process : processes.values()) {
      try {
        process.kill();
      } catch (InterruptedException | RuntimeException e) {
        // Best effort while the JVM exits: try the others.
      }
    }
  }
}
