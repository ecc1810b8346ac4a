package dev.eventshop.support.kafka;

import dev.eventshop.support.tracing.LogContext;
import dev.eventshop.support.tracing.TraceContext;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.RecordInterceptor;

/**
 * Runs around every consumed record, on the listener thread: continues the trace from the record's
 * {@code traceparent} header, puts trace id and order id (the record key) into the log context, and
 * logs the consume once, with event type, topic-partition@offset and consumer group. It reads
 * headers only, so even a poison record is logged before it is parked.
 */
public final class ConsumeInterceptor implements RecordInterceptor<Object, Object> {

  private static final Logger log = LoggerFactory.getLogger(ConsumeInterceptor.class);

  @Override
  public ConsumerRecord<Object, Object> intercept(
      ConsumerRecord<Object, Object> record, Consumer<Object, Object> consumer) {
    TraceContext trace =
        TraceContext.parse(header(record, TraceContext.HEADER))
            .map(TraceContext::nextSpan)
            .orElseGet(TraceContext::newTrace);
    LogContext.setTrace(trace);
    String orderId = record.key() == null ? null : record.key().toString();
    LogContext.setOrderId(orderId);
    String eventType = header(record, EventHeaders.EVENT_TYPE);
    log.info(
        "consumed {} order={} from {}-{}@{} group={}",
        eventType == null ? "(no eventType header)" : eventType,
        orderId,
        record.topic(),
        record.partition(),
        record.offset(),
        consumer.groupMetadata().groupId());
    return record;
  }

  @Override
  public void afterRecord(
      ConsumerRecord<Object, Object> record, Consumer<Object, Object> consumer) {
    LogContext.clear();
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
