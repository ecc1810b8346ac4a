package dev.eventshop.support.pruning;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the outbox and inbox pruning.
 *
 * @param enabled whether the service prunes at all (default true)
 * @param retention how long a sent outbox row and an applied inbox row are kept (default 30d). An
 *     inbox row is what recognises a redelivered event, so keep it longer than a record can be
 *     delivered again: a record stays readable until its whole segment is older than the topic's
 *     retention.ms, and a segment rolls only after segment.ms, so with Kafka's defaults (7 days
 *     each) a record can be read again up to about 14 days after it was written
 * @param interval how often the pruner runs (default 1h)
 * @param keepHistory copy each pruned row's position (event, topic, partition, offset) to the
 *     {@code event_history} table first, for a service that shows what it published and consumed
 *     (order-service's timeline); default false
 */
@ConfigurationProperties("shop.pruning")
public record PruningProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("30d") Duration retention,
    @DefaultValue("1h") Duration interval,
    @DefaultValue("false") boolean keepHistory) {}
