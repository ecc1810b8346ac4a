package dev.eventshop.support;

import dev.eventshop.support.durability.DurableOffsetCommits;
import dev.eventshop.support.durability.GroupCommit;
import dev.eventshop.support.inbox.Inbox;
import dev.eventshop.support.kafka.ConsumeInterceptor;
import dev.eventshop.support.kafka.DeadLetterErrorHandling;
import dev.eventshop.support.kafka.ShopKafkaProperties;
import dev.eventshop.support.kafka.ShopTopics;
import dev.eventshop.support.outbox.Outbox;
import dev.eventshop.support.outbox.OutboxProperties;
import dev.eventshop.support.outbox.OutboxRelay;
import dev.eventshop.support.pruning.EventHistory;
import dev.eventshop.support.pruning.Pruner;
import dev.eventshop.support.pruning.PruningProperties;
import dev.eventshop.support.tracing.TraceFilter;
import java.time.Clock;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Wires the shared messaging infrastructure into every shop service (registered in {@code
 * META-INF/spring/...AutoConfiguration.imports}): the topics, the record interceptor that traces
 * and logs each consume, the error handler with retries and dead-letter topics, the group commit
 * that every offset commit waits for, the inbox, and, unless {@code shop.outbox.enabled=false}, the
 * outbox and its relay; and, unless {@code shop.pruning.enabled=false}, the pruner of old outbox
 * and inbox rows. Spring Boot's listener container factory picks up the interceptor and the error
 * handler by type.
 */
@AutoConfiguration
@EnableConfigurationProperties({
  ShopKafkaProperties.class,
  OutboxProperties.class,
  PruningProperties.class
})
public class ServiceSupportAutoConfiguration {

  @Bean
  KafkaAdmin.NewTopics shopTopics(ShopKafkaProperties kafka) {
    return new KafkaAdmin.NewTopics(ShopTopics.of(kafka).toArray(NewTopic[]::new));
  }

  @Bean
  RecordInterceptor<Object, Object> consumeInterceptor() {
    return new ConsumeInterceptor();
  }

  @Bean
  DefaultErrorHandler deadLetterErrorHandler(
      KafkaTemplate<?, ?> kafkaTemplate, ShopKafkaProperties kafka) {
    return DeadLetterErrorHandling.errorHandler(kafkaTemplate, kafka.retry());
  }

  @Bean
  GroupCommit groupCommit(DataSource dataSource) {
    return new GroupCommit(dataSource);
  }

  /** Offsets are committed only once the effects of the records before them are durable. */
  @Bean
  DefaultKafkaConsumerFactoryCustomizer durableOffsetCommits(GroupCommit groupCommit) {
    return factory -> factory.addPostProcessor(new DurableOffsetCommits<>(groupCommit));
  }

  @Bean
  Inbox inbox(JdbcTemplate jdbc, PlatformTransactionManager transactionManager) {
    return new Inbox(jdbc, new TransactionTemplate(transactionManager));
  }

  @Bean
  FilterRegistrationBean<TraceFilter> traceFilter() {
    var registration = new FilterRegistrationBean<>(new TraceFilter());
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }

  /** The history of pruned events, for a service that shows them ({@code keep-history}). */
  @Bean
  @ConditionalOnProperty(name = "shop.pruning.keep-history", havingValue = "true")
  EventHistory eventHistory(JdbcTemplate jdbc) {
    return new EventHistory(jdbc);
  }

  @Bean
  @ConditionalOnProperty(name = "shop.pruning.enabled", matchIfMissing = true)
  Pruner pruner(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactionManager,
      PruningProperties properties,
      ObjectProvider<OutboxRelay> relay,
      ObjectProvider<EventHistory> history) {
    return new Pruner(
        jdbc,
        new TransactionTemplate(transactionManager),
        properties,
        relay.getIfAvailable() != null,
        history.getIfAvailable(),
        Clock.systemUTC());
  }

  /** The outbox, for services that emit events. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(name = "shop.outbox.enabled", matchIfMissing = true)
  static class OutboxConfiguration {

    @Bean
    OutboxRelay outboxRelay(
        JdbcTemplate jdbc,
        PlatformTransactionManager transactionManager,
        KafkaTemplate<String, String> kafka,
        GroupCommit groupCommit,
        OutboxProperties properties) {
      return new OutboxRelay(
          jdbc, new TransactionTemplate(transactionManager), kafka, groupCommit, properties);
    }

    @Bean
    Outbox outbox(JdbcTemplate jdbc, OutboxRelay relay) {
      return new Outbox(jdbc, relay::committed);
    }
  }
}
