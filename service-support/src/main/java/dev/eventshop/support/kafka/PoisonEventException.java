package dev.eventshop.support.kafka;

/**
 * A record that can never be processed, however often it is retried: not JSON, no envelope, an
 * unknown version, fields of the wrong shape. The error handler sends it to the dead-letter topic
 * at once, without retries, so it never blocks the records behind it in its partition.
 */
public class PoisonEventException extends RuntimeException {

  public PoisonEventException(String message) {
    super(message);
  }

  public PoisonEventException(String message, Throwable cause) {
    super(message, cause);
  }
}
