package dev.eventshop.broker.metadata;

import org.apache.kafka.common.errors.InvalidTopicException;

/** Kafka's rules for topic names. */
public final class TopicNames {

  public static final String CONSUMER_OFFSETS = "__consumer_offsets";
  private static final int MAX_LENGTH = 249;

  private TopicNames() {}

  /** Throws {@link InvalidTopicException} saying what is wrong with {@code name}. */
  public static void validate(String name) {
    if (name == null || name.isEmpty()) {
      throw new InvalidTopicException("Topic name is illegal, it can't be empty");
    }
    if (name.equals(".") || name.equals("..")) {
      throw new InvalidTopicException("Topic name cannot be \".\" or \"..\"");
    }
    if (name.length() > MAX_LENGTH) {
      throw new InvalidTopicException(
          "Topic name is illegal, it can't be longer than " + MAX_LENGTH + " characters");
    }
    for (char c : name.toCharArray()) {
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        throw new InvalidTopicException(
            "Topic name \""
                + name
                + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'");
      }
    }
  }
}
