package dev.eventshop.contracts;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The catalogue of event contracts in {@code contracts/events/<Type>.v<N>.schema.json}, with
 * example payloads in {@code contracts/examples/<Type>.v<N>.json}. Contract tests on both sides of
 * a topic validate the JSON they write or read against these schemas.
 */
public final class EventContracts {

  /** Every event type with a contract, in the order the saga emits them. */
  public static final List<String> EVENT_TYPES =
      List.of(
          "OrderPlaced",
          "PaymentSuccessful",
          "PaymentFailed",
          "InventoryUpdated",
          "InventoryRejected",
          "PaymentRefunded",
          "OrderConfirmed",
          "OrderCancelled");

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final SchemaRegistry SCHEMAS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  private EventContracts() {}

  /**
   * The problems found in {@code json} against the contract of its type and version; empty if
   * valid.
   */
  public static List<String> violations(String eventType, int version, String json) {
    JsonNode event = JSON.readTree(json);
    return schema(eventType, version).validate(event).stream().map(Error::toString).toList();
  }

  /** The topic that carries events of this type, as stated in the contract. */
  public static String topicOf(String eventType, int version) {
    return JSON.readTree(read(schemaPath(eventType, version))).path("x-topic").asString();
  }

  /** The example payload shipped with the contract. */
  public static String example(String eventType, int version) {
    return read("contracts/examples/%s.v%d.json".formatted(eventType, version));
  }

  private static Schema schema(String eventType, int version) {
    return SCHEMAS.getSchema(read(schemaPath(eventType, version)));
  }

  private static String schemaPath(String eventType, int version) {
    return "contracts/events/%s.v%d.schema.json".formatted(eventType, version);
  }

  private static String read(String resource) {
    try (InputStream in = EventContracts.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no contract resource " + resource);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
