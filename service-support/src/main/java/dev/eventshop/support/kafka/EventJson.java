package dev.eventshop.support.kafka;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * How shop events are written and read as JSON: ISO-8601 times, decimals as written (money is a
 * string in the contracts, see {@code @JsonFormat(shape = STRING)} on the records), absent optional
 * fields left out, and unknown fields ignored (a tolerant reader: a producer may add fields without
 * breaking its consumers). The mapper is independent of the web layer's.
 */
public final class EventJson {

  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .changeDefaultPropertyInclusion(
              inclusion -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
          .build();

  private EventJson() {}

  /** The event as JSON. */
  public static String write(Object event) {
    return MAPPER.writeValueAsString(event);
  }

  /** Parses JSON into a tree; a malformed payload is poison. */
  public static JsonNode readTree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JacksonException e) {
      throw new PoisonEventException("payload is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Maps a JSON tree onto an event record; a payload that does not fit is poison. */
  public static <T> T read(JsonNode json, Class<T> type) {
    try {
      return MAPPER.treeToValue(json, type);
    } catch (JacksonException e) {
      throw new PoisonEventException(
          "payload is not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }
}
