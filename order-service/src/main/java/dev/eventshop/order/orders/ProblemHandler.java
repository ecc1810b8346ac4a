package dev.eventshop.order.orders;

import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;

/**
 * Turns invalid input into {@code 400 application/problem+json} (RFC 9457) that says which field
 * was wrong: {@code detail} in words, and {@code errors} as a list of {@code {field, message}}.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    List<InvalidRequestException.FieldError> errors =
        ex.getBindingResult().getFieldErrors().stream()
            .map(e -> new InvalidRequestException.FieldError(e.getField(), e.getDefaultMessage()))
            .sorted(java.util.Comparator.comparing(InvalidRequestException.FieldError::field))
            .toList();
    return ResponseEntity.badRequest().body(invalid(errors));
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    String field = "body";
    String message = "is not valid JSON";
    if (ex.getCause() instanceof DatabindException mismatch && !mismatch.getPath().isEmpty()) {
      field = path(mismatch.getPath());
      message = "has the wrong type";
    } else if (!(ex.getCause() instanceof JacksonException)) {
      message = "is missing or unreadable";
    }
    return ResponseEntity.badRequest()
        .body(invalid(List.of(new InvalidRequestException.FieldError(field, message))));
  }

  @ExceptionHandler(InvalidRequestException.class)
  ResponseEntity<Object> invalidRequest(InvalidRequestException ex) {
    return ResponseEntity.badRequest().body(invalid(ex.errors()));
  }

  private static ProblemDetail invalid(List<InvalidRequestException.FieldError> errors) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            errors.stream()
                .map(e -> e.field() + " " + e.message())
                .collect(Collectors.joining("; ")));
    problem.setTitle("Invalid request");
    problem.setProperty("errors", errors);
    return problem;
  }

  private static String path(List<JacksonException.Reference> references) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference reference : references) {
      if (reference.getPropertyName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.toString();
  }
}
