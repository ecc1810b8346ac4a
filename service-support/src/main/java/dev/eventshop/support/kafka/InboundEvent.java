package dev.eventshop.support.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import tools.jackson.databind.JsonNode;

/**
 * An event as it arrived: where it was read from (topic, partition, offset), its envelope, and its
 * JSON body, ready to be mapped onto the consuming service's own record with {@link #as}. {@link
 * #from} accepts only records with a complete envelope; anything else is poison.
 */
public record InboundEvent(
    String topic,
    int partition,
    long offset,
    UUID eventId,
    String eventType,
    int version,
    String orderId,
    Instant occurredAt,
    JsonNode body) {

  /**
   * Reads the envelope of a consumed record; throws {@link PoisonEventException} if it has none.
   */
  public static InboundEvent from(ConsumerRecord<String, String> record) {
    if (record.value() == null) {
      throw new PoisonEventException("record has no value");
    }
    JsonNode body = EventJson.readTree(record.value());
    if (!body.isObject()) {
      throw new PoisonEventException("payload is not a JSON object");
    }
    String eventType = text(body, "eventType");
    Header header = record.headers().lastHeader(EventHeaders.EVENT_TYPE);
    if (header != null && !eventType.equals(new String(header.value(), StandardCharsets.UTF_8))) {
      throw new PoisonEventException("eventType header does not match the payload's eventType");
    }
    JsonNode version = body.path("version");
    if (!version.isInt()) {
      throw new PoisonEventException("envelope field version is missing or not an integer");
    }
    try {
      return new InboundEvent(
          record.topic(),
          record.partition(),
          record.offset(),
          UUID.fromString(text(body, "eventId")),
          eventType,
          version.intValue(),
          text(body, "orderId"),
          Instant.parse(text(body, "occurredAt")),
          body);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new PoisonEventException("malformed envelope: " + e.getMessage(), e);
    }
  }

  /**
   * The body as the consumer's record for this event type; version 1 is the only one the shop's
   * consumers read so far, so any other version is poison rather than a guess.
   */
  public <T> T as(Class<T> type) {
    if (version != 1) {
      throw new PoisonEventException(
          "unsupported version " + version + " of " + eventType + " (this service reads v1)");
    }
    return EventJson.read(body, type);
  }

  /** Where the record was read from, as {@code topic-partition@offset}. */
  public String position() {
    return topic + "-" + partition + "@" + offset;
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body.path(field);
    if (!value.isString() || value.asString().isBlank()) {
      throw new PoisonEventException("envelope field " + field + " is missing");
    }
    return value.asString();
  }
}
