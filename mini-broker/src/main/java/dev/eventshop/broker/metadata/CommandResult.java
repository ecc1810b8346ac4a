package dev.eventshop.broker.metadata;

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * What applying a {@link MetadataCommand} answered: {@link Errors#NONE}, or the Kafka error the
 * caller gets (the state is then unchanged).
 */
record CommandResult(Errors error, String message) {

  static final CommandResult OK = new CommandResult(Errors.NONE, null);

  static CommandResult failed(Errors error, String message) {
    return new CommandResult(error, message);
  }

  boolean isOk() {
    return error == Errors.NONE;
  }

  ApiException toException() {
    return error.exception(message);
  }
}
