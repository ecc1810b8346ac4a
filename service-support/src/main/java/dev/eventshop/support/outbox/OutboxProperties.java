package dev.eventshop.support.outbox;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the outbox relay.
 *
 * @param pollInterval how long the relay waits for new events before it looks anyway (default
 *     500ms); a commit that wrote events wakes it at once, so this only bounds the delay for rows
 *     written while it was busy or by another process
 * @param batchSize rows published per round (default 100)
 * @param sendTimeout how long the relay waits for the broker to acknowledge a batch (default 30s)
 */
@ConfigurationProperties("shop.outbox")
public record OutboxProperties(
    @DefaultValue("500ms") Duration pollInterval,
    @DefaultValue("100") int batchSize,
    @DefaultValue("30s") Duration sendTimeout) {}
