package dev.eventshop.order.orders;

import java.util.List;

/** A request that is well-formed but names something that does not exist, field by field. */
class InvalidRequestException extends RuntimeException {

  record FieldError(String field, String message) {}

  private final List<FieldError> errors;

  InvalidRequestException(List<FieldError> errors) {
    super(errors.toString());
    this.errors = List.copyOf(errors);
  }

  InvalidRequestException(String field, String message) {
    this(List.of(new FieldError(field, message)));
  }

  List<FieldError> errors() {
    return errors;
  }
}
