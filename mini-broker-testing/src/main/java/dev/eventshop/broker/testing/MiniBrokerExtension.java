package dev.eventshop.broker.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** Starts the broker of {@link MiniBroker} before all tests of a class and stops it after them. */
public final class MiniBrokerExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(MiniBrokerExtension.class);
  static final String BOOTSTRAP_PROPERTY = "mini-broker.bootstrap-servers";
  static final String SPRING_PROPERTY = "spring.kafka.bootstrap-servers";

  /** What was running before, so nested classes and restored properties behave. */
  private record State(
      MiniBrokerCluster cluster, String previousBootstrap, String previousSpring) {}

  @Override
  public void beforeAll(ExtensionContext context) {
    MiniBroker settings =
        AnnotationSupport.findAnnotation(context.getRequiredTestClass(), MiniBroker.class)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "@MiniBroker is missing on " + context.getRequiredTestClass()));
    Map<String, String> props = new LinkedHashMap<>();
    props.put("num.partitions", String.valueOf(settings.partitions()));
    for (String entry : settings.properties()) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("@MiniBroker property must be key=value: " + entry);
      }
      props.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
    }
    MiniBrokerCluster cluster = MiniBrokerCluster.start(props);
    State state =
        new State(
            cluster, System.getProperty(BOOTSTRAP_PROPERTY), System.getProperty(SPRING_PROPERTY));
    System.setProperty(BOOTSTRAP_PROPERTY, cluster.bootstrapServers());
    if (settings.springBootstrapServers()) {
      System.setProperty(SPRING_PROPERTY, cluster.bootstrapServers());
    }
    context.getStore(NAMESPACE).put(State.class, state);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    State state = context.getStore(NAMESPACE).remove(State.class, State.class);
    if (state == null) {
      return;
    }
    try {
      state.cluster().close();
    } finally {
      restore(BOOTSTRAP_PROPERTY, state.previousBootstrap());
      restore(SPRING_PROPERTY, state.previousSpring());
    }
  }

  private static void restore(String key, String previous) {
    if (previous == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, previous);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MiniBrokerCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    State state = context.getStore(NAMESPACE).get(State.class, State.class);
    if (state == null) {
      throw new IllegalStateException(
          "no mini-broker is running for " + context.getRequiredTestClass());
    }
    return state.cluster();
  }
}
