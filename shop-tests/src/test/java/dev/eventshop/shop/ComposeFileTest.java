package dev.eventshop.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.server.BrokerConfig;
import dev.eventshop.broker.server.BrokerProperty;
import dev.eventshop.broker.server.Listener;
import dev.eventshop.broker.server.Listeners;
import dev.eventshop.support.ServiceSupportAutoConfiguration;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.yaml.snakeyaml.Yaml;

/**
 * There is no Docker engine where the tests run, so docker-compose.yml is checked against the
 * applications' own configuration instead: every service, its Dockerfile and build args, every port
 * against the service's application.yml, every environment variable against a property the process
 * really has (the broker's {@link BrokerProperty} table, the services' application.yml and
 * configuration-properties records), every health check and start dependency. The local launcher
 * (./shop) runs the same file, so this also keeps the launcher's topology honest.
 */
class ComposeFileTest {

  static final Path ROOT = ReadmeTest.ROOT;
  static final List<String> BROKERS = List.of("broker-1", "broker-2", "broker-3");
  static final List<String> APPS =
      List.of("order-service", "payment-service", "inventory-service", "notification-service");
  static final String SERVICE_DOCKERFILE = "service.Dockerfile";
  static final Pattern HEALTH_PROBE = Pattern.compile("/dev/tcp/127\\.0\\.0\\.1/(\\d+)");

  final Map<String, Object> compose = yaml(ROOT.resolve("docker-compose.yml"));
  final Map<String, Object> services = map(compose.get("services"));

  @Test
  void theShopIsThreeBrokersAndFourServicesEachBuiltFromItsModule() throws IOException {
    List<String> expected = new ArrayList<>(BROKERS);
    expected.addAll(APPS);
    assertThat(services.keySet()).containsExactlyElementsOf(expected);
    for (String name : services.keySet()) {
      Map<String, Object> build = map(service(name).get("build"));
      String module = BROKERS.contains(name) ? "mini-broker" : name;
      assertThat(build.get("context")).as(name).isEqualTo(".");
      assertThat(service(name).get("image")).as(name).isEqualTo("eventshop/" + module);
      assertThat(Files.readString(ROOT.resolve(module).resolve("pom.xml")))
          .contains("<finalName>" + module + "</finalName>");
      // The launcher runs <module>/target/<module>.jar: the image must run the same jar.
      String jar = BROKERS.contains(name) ? module : "${SERVICE}";
      assertThat(dockerfile(name))
          .as(name)
          .containsPattern("\\./mvnw -B -q -pl \"?" + Pattern.quote(jar) + "\"? -am package")
          .contains("/src/" + jar + "/target/" + jar + ".jar")
          .contains("FROM eclipse-temurin:17-jre")
          .containsPattern("\\nUSER (?!root)\\w+");
    }
    for (String broker : BROKERS) {
      assertThat(map(service(broker).get("build")))
          .containsEntry("dockerfile", "mini-broker/Dockerfile");
    }
  }

  @Test
  void theFourServicesShareOneDockerfileThatTheirBuildArgsParameterize() throws IOException {
    for (String app : APPS) {
      Map<String, Object> build = map(service(app).get("build"));
      assertThat(build.get("dockerfile")).as(app).isEqualTo(SERVICE_DOCKERFILE);
      assertThat(stringMap(build.get("args")))
          .as(app)
          .containsOnlyKeys("SERVICE", "PORT")
          .containsEntry("SERVICE", app);
    }
    String dockerfile = dockerfile(APPS.get(0));
    // Each stage declares the args it uses: an ARG before FROM is not visible inside a stage.
    assertThat(Pattern.compile("^FROM ", Pattern.MULTILINE).matcher(dockerfile).results())
        .hasSize(2);
    assertThat(dockerfile.substring(dockerfile.indexOf("AS build")))
        .containsPattern(
            "(?s)AS build\\nARG SERVICE\\n.*\\nFROM eclipse-temurin:17-jre\\nARG SERVICE\\nARG PORT\\n");
    assertThat(dockerfile).contains("SERVER_PORT=${PORT}", "EXPOSE ${PORT}");
  }

  @Test
  void everyServiceListensPublishesAndIsProbedOnItsApplicationPort() throws IOException {
    for (String app : APPS) {
      Map<String, Object> config = applicationYml(app);
      String port = String.valueOf(path(config, "server.port"));
      Map<String, Object> s = service(app);
      assertThat(env(app)).as(app).containsEntry("SERVER_PORT", port);
      assertThat(list(s.get("ports"))).as(app).containsExactly(port + ":" + port);
      assertThat(String.valueOf(path(config, "management.endpoints.web.exposure.include")))
          .as(app + " exposes actuator health")
          .contains("health");
      String test = healthTest(app);
      assertThat(probedPort(test)).as(app).isEqualTo(port);
      assertThat(test).as(app).contains("GET /actuator/health ").contains("grep -q '\"UP\"'");
      assertThat(stringMap(map(s.get("build")).get("args"))).as(app).containsEntry("PORT", port);
    }
  }

  @Test
  void everyServiceVariableSetsAPropertyTheServiceHas() throws IOException {
    Set<String> supportProperties = configurationProperties();
    assertThat(supportProperties).contains("shop.kafka.replication-factor");
    for (String app : APPS) {
      Set<String> known = new LinkedHashSet<>(flatten("", applicationYml(app)));
      known.addAll(supportProperties);
      for (String variable : env(app).keySet()) {
        if (variable.equals("JAVA_OPTS")) {
          assertThat(dockerfile(app)).contains("exec java $JAVA_OPTS -jar");
          continue;
        }
        assertThat(known.stream().anyMatch(p -> bindsFrom(p, variable)))
            .as("%s: %s names no property of the service", app, variable)
            .isTrue();
      }
    }
  }

  @Test
  void servicesReachEveryBrokerAndReplicateTheirTopicsOnAll() {
    List<String> advertised = new ArrayList<>();
    for (String broker : BROKERS) {
      Listeners listeners = brokerConfig(broker).listeners();
      Listener internal = listeners.advertised(listeners.interBroker()).orElseThrow();
      advertised.add(internal.host() + ":" + internal.port());
    }
    int minInsync = Integer.parseInt(env("broker-1").get("KAFKA_MIN_INSYNC_REPLICAS"));
    for (String app : APPS) {
      Map<String, String> env = env(app);
      assertThat(List.of(env.get("SPRING_KAFKA_BOOTSTRAP_SERVERS").split(",")))
          .as(app)
          .containsExactlyElementsOf(advertised);
      int replicationFactor = Integer.parseInt(env.get("SHOP_KAFKA_REPLICATIONFACTOR"));
      assertThat(replicationFactor).as(app).isEqualTo(BROKERS.size());
      assertThat(minInsync).as("one broker may fail").isLessThan(replicationFactor);
      Map<String, Object> dependsOn = map(service(app).get("depends_on"));
      assertThat(dependsOn.keySet()).as(app).containsExactlyElementsOf(BROKERS);
      dependsOn
          .values()
          .forEach(d -> assertThat(map(d)).containsEntry("condition", "service_healthy"));
    }
  }

  @Test
  void everyServiceKeepsItsDataOnANamedVolume() {
    Set<String> declared = map(compose.get("volumes")).keySet();
    for (String name : services.keySet()) {
      List<Object> volumes = list(service(name).get("volumes"));
      assertThat(volumes).as(name).hasSize(1);
      String[] mount = volumes.get(0).toString().split(":");
      assertThat(declared).as(name).contains(mount[0]);
      String dataDir =
          BROKERS.contains(name) ? env(name).get("KAFKA_LOG_DIRS") : env(name).get("SHOP_DATA_DIR");
      assertThat(dataDir).as(name).isEqualTo(mount[1]);
    }
  }

  @Test
  void everyBrokerVariableIsABrokerPropertyAndTheNodesFormOneQuorum() throws IOException {
    Set<String> voters = new LinkedHashSet<>();
    for (int i = 0; i < BROKERS.size(); i++) {
      String broker = BROKERS.get(i);
      Map<String, String> env = env(broker);
      for (String variable : env.keySet()) {
        if (variable.equals("JAVA_OPTS")) {
          assertThat(Files.readString(ROOT.resolve("mini-broker/docker-entrypoint.sh")))
              .containsPattern("exec java .*\\$JAVA_OPTS");
          continue;
        }
        assertThat(variable).as(broker).startsWith("KAFKA_");
        assertThat(BrokerProperty.byKey(brokerKey(variable)))
            .as("%s: %s is not in mini-broker's BrokerProperty table", broker, variable)
            .isPresent();
      }
      assertThat(env.get("KAFKA_NODE_ID")).isEqualTo(String.valueOf(i + 1));
      // Loaded as the broker loads it: the listeners are valid and agree with the voters.
      Listeners listeners = brokerConfig(broker).listeners();
      assertThat(listeners.controller()).as(broker).hasSize(1);
      // Inside the network under its service name; from the host as localhost, published.
      Listener internal = listeners.advertised(listeners.interBroker()).orElseThrow();
      assertThat(internal.host()).as(broker).isEqualTo(broker);
      List<Listener> external =
          listeners.advertised().stream().filter(l -> !l.equals(internal)).toList();
      assertThat(external).as(broker).hasSize(1);
      assertThat(external.get(0).host()).as(broker).isEqualTo("localhost");
      String port = String.valueOf(external.get(0).port());
      assertThat(list(service(broker).get("ports"))).containsExactly(port + ":" + port);
      assertThat(probedPort(healthTest(broker))).as(broker).isEqualTo(port);
      assertThat(env.get("KAFKA_DEFAULT_REPLICATION_FACTOR")).isEqualTo("3");
      assertThat(env.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR")).isEqualTo("3");
      voters.add(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"));
    }
    assertThat(voters).hasSize(1);
    String voterList = voters.iterator().next();
    for (int i = 0; i < BROKERS.size(); i++) {
      assertThat(voterList).containsPattern("(^|,)" + (i + 1) + "@" + BROKERS.get(i) + ":\\d+");
    }
    // The Raft port is internal: it must not collide with a published client port.
    Matcher raft = Pattern.compile("@[\\w-]+:(\\d+)").matcher(voterList);
    while (raft.find()) {
      for (String broker : BROKERS) {
        assertThat(list(service(broker).get("ports")))
            .noneMatch(p -> p.toString().startsWith(raft.group(1) + ":"));
      }
    }
  }

  /** The broker's configuration from the compose file, as mini-broker's start-up reads it. */
  private BrokerConfig brokerConfig(String broker) {
    return BrokerConfig.load(null, env(broker), List.of()); // reads only the KAFKA_* variables
  }

  @Test
  void theKafkaOverrideSwapsOnlyTheBrokersAndKeepsTheirAddresses() {
    Map<String, Object> override =
        map(yaml(ROOT.resolve("docker-compose.kafka.yml")).get("services"));
    assertThat(override.keySet()).containsExactlyElementsOf(BROKERS);
    for (String broker : BROKERS) {
      Map<String, Object> kafka = map(override.get(broker));
      assertThat(String.valueOf(kafka.get("image"))).startsWith("apache/kafka:");
      assertThat(kafka.get("pull_policy")).isEqualTo("always");
      Map<String, String> env = stringMap(kafka.get("environment"));
      Map<String, String> base = env(broker);
      // Kafka runs on the very configuration mini-broker runs on.
      assertThat(env)
          .doesNotContainKeys(
              "KAFKA_NODE_ID",
              "KAFKA_PROCESS_ROLES",
              "KAFKA_LISTENERS",
              "KAFKA_ADVERTISED_LISTENERS",
              "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
              "KAFKA_INTER_BROKER_LISTENER_NAME",
              "KAFKA_CONTROLLER_LISTENER_NAMES",
              "KAFKA_CONTROLLER_QUORUM_VOTERS");
      assertThat(base)
          .containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
          .containsKey("KAFKA_CONTROLLER_LISTENER_NAMES");
      assertThat(env.get("CLUSTER_ID")).matches("[A-Za-z0-9_-]{22}");
      String volume = list(kafka.get("volumes")).get(0).toString();
      assertThat(volume).endsWith(":" + env.get("KAFKA_LOG_DIRS"));
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  /** Kafka's docker convention, as mini-broker's BrokerConfig reads it. */
  static String brokerKey(String variable) {
    return variable
        .substring("KAFKA_".length())
        .toLowerCase(Locale.ROOT)
        .replace("___", "-")
        .replace("__", "\0")
        .replace('_', '.')
        .replace('\0', '_');
  }

  /**
   * Whether Spring Boot binds {@code variable} to {@code property}: its canonical form (dots to
   * underscores, dashes removed, upper case), or with dashes as underscores, which also resolves
   * ${...} placeholders such as application.yml's ${shop.data-dir}.
   */
  static boolean bindsFrom(String property, String variable) {
    String upper = property.toUpperCase(Locale.ROOT).replace('.', '_');
    return variable.equals(upper.replace("-", "")) || variable.equals(upper.replace('-', '_'));
  }

  /** The properties of service-support's @ConfigurationProperties records, nested ones included. */
  static Set<String> configurationProperties() {
    Set<String> result = new LinkedHashSet<>();
    for (Class<?> type :
        ServiceSupportAutoConfiguration.class
            .getAnnotation(EnableConfigurationProperties.class)
            .value()) {
      String prefix = type.getAnnotation(ConfigurationProperties.class).value();
      collect(prefix, type, result);
    }
    return result;
  }

  private static void collect(String prefix, Class<?> type, Set<String> into) {
    for (RecordComponent c : type.getRecordComponents()) {
      String name =
          prefix + "." + c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
      if (c.getType().isRecord()) {
        collect(name, c.getType(), into);
      } else {
        into.add(name);
      }
    }
  }

  static List<String> flatten(String prefix, Map<String, Object> map) {
    List<String> result = new ArrayList<>();
    map.forEach(
        (k, v) -> {
          String key = prefix.isEmpty() ? k : prefix + "." + k;
          result.add(key);
          if (v instanceof Map<?, ?>) {
            result.addAll(flatten(key, map(v)));
          }
        });
    return result;
  }

  static Object path(Map<String, Object> map, String dotted) {
    Object current = map;
    for (String part : dotted.split("\\.")) {
      current = map(current).get(part);
    }
    return current;
  }

  /** The Dockerfile the service is built from. */
  String dockerfile(String name) throws IOException {
    return Files.readString(
        ROOT.resolve(String.valueOf(map(service(name).get("build")).get("dockerfile"))));
  }

  Map<String, Object> service(String name) {
    return map(services.get(name));
  }

  Map<String, String> env(String name) {
    return stringMap(service(name).get("environment"));
  }

  String healthTest(String name) {
    List<Object> test = list(map(service(name).get("healthcheck")).get("test"));
    assertThat(test.subList(0, 3)).as(name).containsExactly("CMD", "bash", "-c");
    return test.get(3).toString();
  }

  static String probedPort(String test) {
    Matcher m = HEALTH_PROBE.matcher(test);
    assertThat(m.find()).as("health check probes /dev/tcp/127.0.0.1/<port>: %s", test).isTrue();
    return m.group(1);
  }

  static Map<String, Object> applicationYml(String app) {
    return yaml(ROOT.resolve(app).resolve("src/main/resources/application.yml"));
  }

  static Map<String, Object> yaml(Path file) {
    try {
      return map(new Yaml().load(Files.readString(file)));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Environment values as compose sees them: every scalar a string. */
  static Map<String, String> stringMap(Object o) {
    Map<String, String> result = new LinkedHashMap<>();
    map(o).forEach((k, v) -> result.put(k, String.valueOf(v)));
    return result;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Object>) o;
  }
}
