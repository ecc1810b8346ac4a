package dev.eventshop.broker.server;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A broker's listeners as Kafka configures them: {@code listeners} (what it binds), {@code
 * advertised.listeners} (what clients are told), {@code listener.security.protocol.map}, {@code
 * controller.listener.names} and {@code inter.broker.listener.name}.
 *
 * <p>A client is always given the addresses of the listener it connected through, so one broker can
 * serve containers under their service names and the host under {@code localhost}. A controller
 * listener is the metadata quorum's Raft port: the quorum binds it, not the Kafka protocol, so a
 * Kafka KRaft configuration (with {@code CONTROLLER://...}) starts as it is.
 *
 * @param client the listeners served by the Kafka protocol, in configuration order
 * @param controller the listeners named in {@code controller.listener.names}
 * @param advertised one per client listener, in configuration order; port 0 means "as bound"
 * @param interBroker the name of the listener followers use to fetch from leaders (null on a
 *     controller-only node, which serves no listener but the quorum's)
 */
public record Listeners(
    List<Listener> client,
    List<Listener> controller,
    List<Listener> advertised,
    String interBroker) {

  private static final String PLAINTEXT = "PLAINTEXT";

  static Listeners from(
      String listeners,
      String advertisedListeners,
      String protocolMap,
      String controllerNames,
      String interBrokerName,
      int nodeId,
      List<QuorumVoter> voters,
      boolean broker) {
    List<Listener> all = Listener.parseList(BrokerProperty.LISTENERS.key(), listeners);
    Set<String> names = new HashSet<>();
    Set<Integer> ports = new HashSet<>();
    Map<String, String> protocols = parseProtocolMap(protocolMap);
    for (Listener l : all) {
      if (!names.add(l.name())) {
        throw new ConfigException(
            BrokerProperty.LISTENERS.key(), "listener name %s appears twice".formatted(l.name()));
      }
      if (l.port() != 0 && !ports.add(l.port())) {
        throw new ConfigException(
            BrokerProperty.LISTENERS.key(), "port %d is used by two listeners".formatted(l.port()));
      }
      String protocol = protocols.get(l.name());
      if (protocol == null) {
        throw new ConfigException(
            BrokerProperty.LISTENER_SECURITY_PROTOCOL_MAP.key(),
            "no security protocol for listener %s (add %s:PLAINTEXT)"
                .formatted(l.name(), l.name()));
      }
      if (!protocol.equals(PLAINTEXT)) {
        throw new ConfigException(
            BrokerProperty.LISTENERS.key(),
            "listener %s uses %s; only PLAINTEXT is implemented".formatted(l.name(), protocol));
      }
    }
    Set<String> controllerNameSet = new HashSet<>(upperCaseList(controllerNames));
    List<Listener> client = new ArrayList<>();
    List<Listener> controller = new ArrayList<>();
    for (Listener l : all) {
      (controllerNameSet.contains(l.name()) ? controller : client).add(l);
    }
    if (broker && client.isEmpty()) {
      throw new ConfigException(
          BrokerProperty.LISTENERS.key(),
          "needs a listener for clients besides the controller listeners " + controllerNameSet);
    }
    if (!broker && (!client.isEmpty() || controller.isEmpty())) {
      throw new ConfigException(
          BrokerProperty.LISTENERS.key(),
          ("a controller-only node (process.roles=controller) serves no clients: name only its"
                  + " controller listener (controller.listener.names %s), not %s")
              .formatted(controllerNameSet, client.isEmpty() ? "none" : client));
    }
    checkControllerPorts(client, controller, nodeId, voters);
    if (!broker) {
      return new Listeners(List.of(), List.copyOf(controller), List.of(), null);
    }
    List<Listener> advertised = advertise(client, controllerNameSet, advertisedListeners);
    return new Listeners(
        List.copyOf(client),
        List.copyOf(controller),
        advertised,
        interBroker(client, interBrokerName));
  }

  /** The advertised address of listener {@code name}. */
  public Optional<Listener> advertised(String name) {
    return advertised.stream().filter(l -> l.name().equals(name)).findFirst();
  }

  private static Map<String, String> parseProtocolMap(String value) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String raw : value.split(",")) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int colon = entry.indexOf(':');
      String name = colon < 0 ? "" : entry.substring(0, colon).trim();
      String protocol = colon < 0 ? "" : entry.substring(colon + 1).trim();
      if (name.isEmpty() || protocol.isEmpty()) {
        throw new ConfigException(
            BrokerProperty.LISTENER_SECURITY_PROTOCOL_MAP.key(),
            "invalid entry '%s': expected LISTENER:PROTOCOL".formatted(entry));
      }
      map.put(name.toUpperCase(Locale.ROOT), protocol.toUpperCase(Locale.ROOT));
    }
    return map;
  }

  /** A comma-separated list of listener names, upper-cased, blanks left out. */
  static List<String> upperCaseList(String value) {
    List<String> result = new ArrayList<>();
    for (String name : value.split(",")) {
      if (!name.isBlank()) {
        result.add(name.trim().toUpperCase(Locale.ROOT));
      }
    }
    return result;
  }

  /**
   * The quorum binds this node's voter address: a controller listener must agree with it, and no
   * client listener may take it (a Kafka configuration whose {@code controller.listener.names} was
   * left out would otherwise fail later, binding the same port twice).
   */
  private static void checkControllerPorts(
      List<Listener> client, List<Listener> controller, int nodeId, List<QuorumVoter> voters) {
    Optional<QuorumVoter> self = voters.stream().filter(v -> v.id() == nodeId).findFirst();
    for (Listener l : client) {
      if (self.isPresent() && l.port() == self.get().port()) {
        throw new ConfigException(
            BrokerProperty.LISTENERS.key(),
            ("listener %s uses this node's port in controller.quorum.voters; name it in"
                    + " controller.listener.names")
                .formatted(l));
      }
    }
    for (Listener l : controller) {
      if (voters.isEmpty()) {
        throw new ConfigException(
            BrokerProperty.CONTROLLER_QUORUM_VOTERS.key(),
            "controller listener %s needs a metadata quorum; a single node has none".formatted(l));
      }
      if (self.isEmpty()) {
        throw new ConfigException(
            BrokerProperty.LISTENERS.key(),
            ("controller listener %s belongs to a voter, and node %d is not one of"
                    + " controller.quorum.voters (a broker-only node has no controller listener)")
                .formatted(l, nodeId));
      }
      if (l.port() != self.get().port()) {
        throw new ConfigException(
            BrokerProperty.LISTENERS.key(),
            "controller listener %s must use this node's port in controller.quorum.voters (%d)"
                .formatted(l, self.get().port()));
      }
    }
  }

  private static List<Listener> advertise(
      List<Listener> client, Set<String> controllerNames, String advertisedListeners) {
    Map<String, Listener> byName = new LinkedHashMap<>();
    if (!advertisedListeners.isBlank()) {
      String key = BrokerProperty.ADVERTISED_LISTENERS.key();
      for (Listener a : Listener.parseList(key, advertisedListeners)) {
        if (controllerNames.contains(a.name())) {
          continue; // Kafka advertises controller listeners to other controllers only
        }
        if (client.stream().noneMatch(l -> l.name().equals(a.name()))) {
          throw new ConfigException(
              key, "listener %s is not one of the listeners".formatted(a.name()));
        }
        if (byName.put(a.name(), a) != null) {
          throw new ConfigException(key, "listener name %s appears twice".formatted(a.name()));
        }
      }
    }
    List<Listener> advertised = new ArrayList<>();
    for (Listener l : client) {
      advertised.add(byName.getOrDefault(l.name(), l));
    }
    return List.copyOf(advertised);
  }

  private static String interBroker(List<Listener> client, String configured) {
    if (configured.isBlank()) {
      return client.stream()
          .map(Listener::name)
          .filter(PLAINTEXT::equals)
          .findFirst()
          .orElse(client.get(0).name());
    }
    String name = configured.trim().toUpperCase(Locale.ROOT);
    if (client.stream().noneMatch(l -> l.name().equals(name))) {
      throw new ConfigException(
          BrokerProperty.INTER_BROKER_LISTENER_NAME.key(),
          "%s is not one of the client listeners %s"
              .formatted(name, client.stream().map(Listener::name).toList()));
    }
    return name;
  }
}
