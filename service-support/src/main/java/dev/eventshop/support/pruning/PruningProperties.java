package dev.eventshop.support.pruning;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the outbox and inbox pruning.
 *
 * @param enabled whether the service prunes at all (default true)
 * @param retention how long a sent outbox row and an applied inbox row are kept (default 7d). An
 *     inbox row is what recognises a redelivered event, so keep it at least as long as a record can
 *     be delivered again: Kafka's log retention (7 days by default) bounds that
 * @param interval how often the pruner runs (default 1h)
 * @param keepHistory copy each pruned row's position (event, topic, partition, offset) to the
 *     {@code event_history} table first, for a service that shows what it published and consumed
 *     (order-service's timeline); default false
 */
@ConfigurationProperties("shop.pruning")
public record PruningProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("7d") Duration retention,
    @DefaultValue("1h") Duration interval,
    @DefaultValue("false") boolean keepHistory) {}
