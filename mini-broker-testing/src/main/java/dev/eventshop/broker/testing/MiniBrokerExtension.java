package dev.eventshop.broker.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Provides the broker of {@link MiniBroker} to a test class: started on first use of its settings,
 * kept in the root store (so classes with equal settings share it, and JUnit closes it when the run
 * ends), and published as system properties while the class runs.
 */
public final class MiniBrokerExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(MiniBrokerExtension.class);
  static final String BOOTSTRAP_PROPERTY = "mini-broker.bootstrap-servers";
  static final String SPRING_PROPERTY = "spring.kafka.bootstrap-servers";

  /** The settings that tell one shared broker from another. */
  private record Settings(int nodes, Map<String, String> properties) {}

  /** The class's broker and the properties it replaced, restored after the class. */
  private record State(
      MiniBrokerCluster cluster, String previousBootstrap, String previousSpring) {}

  @Override
  public void beforeAll(ExtensionContext context) {
    MiniBroker annotation =
        AnnotationSupport.findAnnotation(context.getRequiredTestClass(), MiniBroker.class)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "@MiniBroker is missing on " + context.getRequiredTestClass()));
    Settings settings = settings(annotation);
    MiniBrokerCluster cluster =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .computeIfAbsent(
                settings,
                s -> MiniBrokerCluster.start(s.nodes(), s.properties()),
                MiniBrokerCluster.class);
    State state =
        new State(
            cluster, System.getProperty(BOOTSTRAP_PROPERTY), System.getProperty(SPRING_PROPERTY));
    System.setProperty(BOOTSTRAP_PROPERTY, cluster.bootstrapServers());
    if (annotation.springBootstrapServers()) {
      System.setProperty(SPRING_PROPERTY, cluster.bootstrapServers());
    }
    context.getStore(NAMESPACE).put(State.class, state);
  }

  private static Settings settings(MiniBroker annotation) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("num.partitions", String.valueOf(annotation.partitions()));
    for (String entry : List.of(annotation.properties())) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("@MiniBroker property must be key=value: " + entry);
      }
      props.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
    }
    return new Settings(annotation.nodes(), Map.copyOf(props));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    State state = context.getStore(NAMESPACE).remove(State.class, State.class);
    if (state != null) {
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
