package dev.eventshop.broker.metadata;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Client quotas as Kafka keeps them (KIP-546, {@code kafka-configs.sh --entity-type
 * users|clients}): per entity, quota key to value. An entity names a user, a client id, both, or an
 * IP address; a null name is the default for its type. Immutable; part of the replicated {@link
 * ClusterMetadata}.
 *
 * <p>mini-broker enforces {@value #PRODUCER_BYTE_RATE} and {@value #CONSUMER_BYTE_RATE} (see {@code
 * quota/ClientQuotaManager}). Kafka's other keys ({@code request_percentage}, {@code
 * controller_mutation_rate}, {@code connection_creation_rate}) are refused with a message that says
 * so, rather than stored and silently not enforced.
 */
public record ClientQuotas(Map<Entity, Map<String, Double>> byEntity) {

  public static final ClientQuotas NONE = new ClientQuotas(Map.of());

  public static final String USER = "user";
  public static final String CLIENT_ID = "client-id";
  public static final String IP = "ip";
  public static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
  public static final String CONSUMER_BYTE_RATE = "consumer_byte_rate";

  /** The principal of every client: mini-broker authenticates no one, as Kafka's PLAINTEXT. */
  public static final String ANONYMOUS_USER = "ANONYMOUS";

  /** Kafka's quota keys for users and client ids, and whether each takes whole numbers only. */
  private static final Map<String, Boolean> CLIENT_KEYS =
      Map.of(
          PRODUCER_BYTE_RATE,
          true,
          CONSUMER_BYTE_RATE,
          true,
          "request_percentage",
          false,
          "controller_mutation_rate",
          false);

  private static final Map<String, Boolean> IP_KEYS = Map.of("connection_creation_rate", true);

  private static final Set<String> ENFORCED = Set.of(PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE);

  public ClientQuotas {
    Map<Entity, Map<String, Double>> copy = new HashMap<>();
    byEntity.forEach((entity, values) -> copy.put(entity, Map.copyOf(values)));
    byEntity = Map.copyOf(copy);
  }

  /**
   * A quota entity: entity type ({@value #USER}, {@value #CLIENT_ID}, {@value #IP}) to name, where
   * a null name is the type's default. Ordered by type, so equal entities print alike.
   */
  public record Entity(SortedMap<String, String> parts) {
    /** By types, then names (the default first): a total order, as snapshots are written. */
    public static final java.util.Comparator<Entity> ORDER =
        (a, b) -> {
          int byTypes =
              String.join(",", a.parts.keySet()).compareTo(String.join(",", b.parts.keySet()));
          if (byTypes != 0) {
            return byTypes;
          }
          for (String type : a.parts.keySet()) {
            int byName =
                java.util.Comparator.nullsFirst(java.util.Comparator.<String>naturalOrder())
                    .compare(a.parts.get(type), b.parts.get(type));
            if (byName != 0) {
              return byName;
            }
          }
          return 0;
        };

    public Entity {
      parts = Collections.unmodifiableSortedMap(new TreeMap<>(parts));
    }

    /** An entity from type and name pairs: {@code of("user", "alice", "client-id", null)}. */
    public static Entity of(String... typeAndName) {
      SortedMap<String, String> parts = new TreeMap<>();
      for (int i = 0; i < typeAndName.length; i += 2) {
        parts.put(typeAndName[i], typeAndName[i + 1]);
      }
      return new Entity(parts);
    }

    @Override
    public String toString() {
      List<String> shown = new ArrayList<>();
      parts.forEach((type, name) -> shown.add(type + "=" + (name == null ? "<default>" : name)));
      return String.join(", ", shown);
    }
  }

  /**
   * Why {@code ops} (quota key to value; null removes the key) cannot apply to {@code entity}, or
   * {@link ApiError#NONE}: Kafka's controller checks in its order and words, then the keys
   * mini-broker does not enforce.
   */
  public static ApiError whyNot(Entity entity, Map<String, Double> ops) {
    if (entity.parts().isEmpty()) {
      return invalid("Invalid empty client quota entity");
    }
    for (Map.Entry<String, String> part : entity.parts().entrySet()) {
      String type = part.getKey();
      if (!type.equals(USER) && !type.equals(CLIENT_ID) && !type.equals(IP)) {
        return invalid("Unhandled client quota entity type: " + type);
      }
      if (part.getValue() != null && part.getValue().isEmpty()) {
        return invalid("Empty " + type + " not supported");
      }
    }
    boolean ip = entity.parts().containsKey(IP);
    if (ip && entity.parts().size() > 1) {
      // Kafka's message, missing space included.
      return invalid(
          "Invalid quota entity combination, IP entity shouldnot be combined with User or"
              + " ClientId");
    }
    Map<String, Boolean> keys = ip ? IP_KEYS : CLIENT_KEYS;
    for (Map.Entry<String, Double> op : ops.entrySet()) {
      String key = op.getKey();
      Double value = op.getValue();
      if (value == null) {
        continue;
      }
      Boolean whole = keys.get(key);
      if (whole == null) {
        return invalid("Invalid configuration key " + key);
      }
      if (!(value > 0)) {
        return invalid("Quota " + key + " must be greater than 0");
      }
      if (whole && value > Long.MAX_VALUE) {
        return invalid("Proposed value for " + key + " is too large for a LONG.");
      }
      if (whole && Math.abs(value % 1.0) > 1e-6) {
        return invalid(key + " cannot be a fractional value.");
      }
      if (!ENFORCED.contains(key)) {
        return invalid(
            "mini-broker enforces only %s and %s, not %s"
                .formatted(PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE, key));
      }
    }
    return ApiError.NONE;
  }

  private static ApiError invalid(String message) {
    return new ApiError(Errors.INVALID_REQUEST, message);
  }

  /** These quotas with {@code ops} applied to {@code entity} (already checked by whyNot). */
  public ClientQuotas alter(Entity entity, Map<String, Double> ops) {
    Map<String, Double> values = new TreeMap<>(byEntity.getOrDefault(entity, Map.of()));
    ops.forEach(
        (key, value) -> {
          if (value == null) {
            values.remove(key);
          } else {
            values.put(key, value);
          }
        });
    Map<Entity, Map<String, Double>> next = new HashMap<>(byEntity);
    if (values.isEmpty()) {
      next.remove(entity);
    } else {
      next.put(entity, values);
    }
    return new ClientQuotas(next);
  }

  /** One component of a DescribeClientQuotas filter. */
  public record FilterComponent(String entityType, byte matchType, String match) {
    public static final byte EXACT = 0;
    public static final byte DEFAULT = 1;
    public static final byte SPECIFIED = 2;
  }

  /**
   * The entities matching a DescribeClientQuotas filter, as Kafka's broker answers it: each
   * component matches a name exactly, the default, or any name of its type; with {@code strict}, an
   * entity must have no other types.
   *
   * @throws InvalidRequestException or {@link UnsupportedVersionException} for a malformed filter
   */
  public Map<Entity, Map<String, Double>> describe(List<FilterComponent> filter, boolean strict) {
    Map<String, String> exact = new HashMap<>();
    Set<String> anyName = new HashSet<>();
    for (FilterComponent c : filter) {
      String type = c.entityType();
      if (type.isEmpty()) {
        throw new InvalidRequestException("Invalid empty entity type.");
      }
      if (exact.containsKey(type) || anyName.contains(type)) {
        throw new InvalidRequestException(
            "Entity type " + type + " cannot appear more than once in the filter.");
      }
      if (!type.equals(IP) && !type.equals(USER) && !type.equals(CLIENT_ID)) {
        throw new UnsupportedVersionException("Unsupported entity type " + type);
      }
      switch (c.matchType()) {
        case FilterComponent.EXACT -> {
          if (c.match() == null) {
            throw new InvalidRequestException(
                "Request specified MATCH_TYPE_EXACT, but set match string to null.");
          }
          exact.put(type, c.match());
        }
        case FilterComponent.DEFAULT -> {
          if (c.match() != null) {
            throw new InvalidRequestException(
                "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
          }
          exact.put(type, null);
        }
        case FilterComponent.SPECIFIED -> {
          if (c.match() != null) {
            throw new InvalidRequestException(
                "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
          }
          anyName.add(type);
        }
        default -> throw new InvalidRequestException("Unknown match type " + c.matchType());
      }
    }
    boolean withIp = exact.containsKey(IP) || anyName.contains(IP);
    boolean withClient =
        exact.containsKey(USER)
            || anyName.contains(USER)
            || exact.containsKey(CLIENT_ID)
            || anyName.contains(CLIENT_ID);
    if (withIp && withClient) {
      throw new InvalidRequestException(
          "Invalid entity filter component combination. IP filter component should not be used"
              + " with user or clientId filter component.");
    }
    Map<Entity, Map<String, Double>> matching = new HashMap<>();
    byEntity.forEach(
        (entity, values) -> {
          Map<String, String> parts = entity.parts();
          boolean matches =
              (!strict || parts.size() == exact.size() + anyName.size())
                  && exact.entrySet().stream()
                      .allMatch(
                          e ->
                              parts.containsKey(e.getKey())
                                  && Objects.equals(parts.get(e.getKey()), e.getValue()))
                  && parts.keySet().containsAll(anyName);
          if (matches) {
            matching.put(entity, values);
          }
        });
    return matching;
  }

  /**
   * The quota {@code key} that applies to a client, and the client it is shared by, or empty when
   * none does. Kafka's precedence: user and client id, user and default client, user, default user
   * and client id, default user and default client, default user, client id, default client. A
   * default applies to each user or client on its own; a quota of a user alone is shared by all of
   * its clients.
   */
  public Optional<Applied> quota(String key, String user, String clientId) {
    if (byEntity.isEmpty()) {
      return Optional.empty();
    }
    List<Entity> candidates =
        List.of(
            Entity.of(USER, user, CLIENT_ID, clientId),
            Entity.of(USER, user, CLIENT_ID, null),
            Entity.of(USER, user),
            Entity.of(USER, null, CLIENT_ID, clientId),
            Entity.of(USER, null, CLIENT_ID, null),
            Entity.of(USER, null),
            Entity.of(CLIENT_ID, clientId),
            Entity.of(CLIENT_ID, null));
    for (int i = 0; i < candidates.size(); i++) {
      Double value = byEntity.getOrDefault(candidates.get(i), Map.of()).get(key);
      if (value != null) {
        boolean userOnly = i == 2 || i == 5;
        boolean clientOnly = i >= 6;
        return Optional.of(new Applied(value, clientOnly ? "" : user, userOnly ? "" : clientId));
      }
    }
    return Optional.empty();
  }

  /** A quota that applies, and who shares it: a user ("" for any) and a client id ("" for any). */
  public record Applied(double value, String user, String clientId) {}
}
