package dev.eventshop.support.durability;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.apache.kafka.clients.consumer.Consumer;
import org.springframework.kafka.core.ConsumerPostProcessor;

/**
 * Makes every consumer of a service wait for {@link GroupCommit#awaitDurable()} before it commits
 * offsets, whoever commits them: the listener container after a poll's records, the error handler
 * after parking a record in its dead-letter topic. A committed offset then always stands for
 * database effects that survive the process. Added to Spring Boot's consumer factory as a
 * post-processor, so the listeners and their container stay as they are.
 */
public final class DurableOffsetCommits<K, V> implements ConsumerPostProcessor<K, V> {

  private final GroupCommit groupCommit;

  public DurableOffsetCommits(GroupCommit groupCommit) {
    this.groupCommit = groupCommit;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Consumer<K, V> apply(Consumer<K, V> consumer) {
    return (Consumer<K, V>)
        Proxy.newProxyInstance(
            Consumer.class.getClassLoader(),
            new Class<?>[] {Consumer.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (method.getDeclaringClass() == Object.class) {
                return switch (name) {
                  case "equals" -> proxy == args[0];
                  case "hashCode" -> System.identityHashCode(proxy);
                  default -> "durable offset commits of " + consumer;
                };
              }
              if (name.equals("commitSync") || name.equals("commitAsync")) {
                groupCommit.awaitDurable();
              }
              try {
                return method.invoke(consumer, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
