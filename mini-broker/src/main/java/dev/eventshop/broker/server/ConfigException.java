package dev.eventshop.broker.server;

/** A configuration problem, naming the key that caused it. */
public class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
