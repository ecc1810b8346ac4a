package dev.eventshop.support.kafka;

/**
 * Names of the Kafka record headers every shop event carries. The payload is plain JSON; the {@code
 * eventType} header (equal to the payload's {@code eventType} field) lets a consumer log and route
 * a record without parsing it, and no header names a Java class.
 */
public final class EventHeaders {

  /** The event's type, for example {@code OrderPlaced}. */
  public static final String EVENT_TYPE = "eventType";

  /** The event's unique id, as in the payload. */
  public static final String EVENT_ID = "eventId";

  /** The payload's media type. */
  public static final String CONTENT_TYPE = "contentType";

  private EventHeaders() {}
}
