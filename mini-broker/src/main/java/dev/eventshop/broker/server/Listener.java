package dev.eventshop.broker.server;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of {@code listeners} or {@code advertised.listeners}: a listener name (upper case, as
 * Kafka normalises it), a host and a port.
 */
public record Listener(String name, String host, int port) {

  static List<Listener> parseList(String key, String value) {
    List<Listener> result = new ArrayList<>();
    for (String entry : value.split(",")) {
      if (!entry.isBlank()) {
        result.add(parse(key, entry.trim()));
      }
    }
    if (result.isEmpty()) {
      throw new ConfigException(
          key, "must name at least one listener, e.g. PLAINTEXT://127.0.0.1:9092");
    }
    return List.copyOf(result);
  }

  private static Listener parse(String key, String entry) {
    int sep = entry.indexOf("://");
    int colon = entry.lastIndexOf(':');
    if (sep <= 0 || colon <= sep + 2) {
      throw new ConfigException(
          key, "invalid listener '%s': expected NAME://host:port".formatted(entry));
    }
    String name = entry.substring(0, sep).toUpperCase(java.util.Locale.ROOT);
    if (!name.matches("[A-Z0-9_]+")) {
      throw new ConfigException(
          key, "invalid listener name '%s': letters, digits and '_' only".formatted(name));
    }
    String host = entry.substring(sep + 3, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(entry.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "invalid port in listener '%s'".formatted(entry));
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException(key, "invalid port in listener '%s'".formatted(entry));
    }
    return new Listener(name, host.isEmpty() ? "0.0.0.0" : host, port);
  }

  @Override
  public String toString() {
    return name + "://" + host + ":" + port;
  }
}
