package dev.eventshop.broker.protocol;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;

/** The handlers this broker serves, by API key. Immutable once built. */
public final class ApiTable {

  private final Map<ApiKeys, ApiHandler<?>> handlers = new EnumMap<>(ApiKeys.class);

  public ApiTable(List<ApiHandler<?>> handlers) {
    for (ApiHandler<?> handler : handlers) {
      if (this.handlers.put(handler.apiKey(), handler) != null) {
        throw new IllegalArgumentException("two handlers for " + handler.apiKey());
      }
    }
  }

  /** The handler for {@code key}, or null if this broker does not serve it. */
  public ApiHandler<?> handler(ApiKeys key) {
    return handlers.get(key);
  }

  public Collection<ApiHandler<?>> all() {
    return Collections.unmodifiableCollection(handlers.values());
  }
}
