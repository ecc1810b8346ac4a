package dev.eventshop.support.kafka;

import dev.eventshop.support.tracing.LogContext;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.ExponentialBackOffWithMaxRetries;

/**
 * What happens when a listener throws: the record is retried in place with exponential backoff (the
 * partition waits, so the order of one order's events is kept), and after the last retry it is
 * parked in {@code <topic>.DLT}, same partition, with the failure in the record headers; then the
 * offset is committed and the partition moves on. A {@link PoisonEventException} skips the retries:
 * re-reading a malformed record cannot fix it.
 */
public final class DeadLetterErrorHandling {

  private static final Logger log = LoggerFactory.getLogger(DeadLetterErrorHandling.class);

  /** The suffix of dead-letter topics. */
  public static final String DLT_SUFFIX = ".DLT";

  private DeadLetterErrorHandling() {}

  /** The error handler for every listener of a service. */
  public static DefaultErrorHandler errorHandler(
      KafkaOperations<?, ?> template, ShopKafkaProperties.Retry retry) {
    var deadLetters =
        new DeadLetterPublishingRecoverer(
            template,
            (record, failure) ->
                new TopicPartition(record.topic() + DLT_SUFFIX, record.partition()));
    var backOff = new ExponentialBackOffWithMaxRetries(retry.attempts());
    backOff.setInitialInterval(retry.initialInterval().toMillis());
    backOff.setMultiplier(retry.multiplier());
    var handler =
        new DefaultErrorHandler(
            (record, failure) -> {
              log.warn(
                  "parking record of order={} from {}-{}@{} in {}{}: {}",
                  record.key(),
                  record.topic(),
                  record.partition(),
                  record.offset(),
                  record.topic(),
                  DLT_SUFFIX,
                  rootMessage(failure));
              deadLetters.accept(record, failure);
              LogContext.clear();
            },
            backOff);
    handler.addNotRetryableExceptions(PoisonEventException.class);
    handler.setCommitRecovered(true);
    return handler;
  }

  private static String rootMessage(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }
}
