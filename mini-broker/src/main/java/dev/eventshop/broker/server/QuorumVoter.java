package dev.eventshop.broker.server;

import java.util.ArrayList;
import java.util.List;

/** One entry of {@code controller.quorum.voters}: {@code id@host:port}. */
public record QuorumVoter(int id, String host, int port) {

  static List<QuorumVoter> parseList(String key, String value) {
    List<QuorumVoter> result = new ArrayList<>();
    for (String entry : value.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      String e = entry.trim();
      int at = e.indexOf('@');
      int colon = e.lastIndexOf(':');
      try {
        if (at <= 0 || colon <= at + 1) {
          throw new NumberFormatException();
        }
        result.add(
            new QuorumVoter(
                Integer.parseInt(e.substring(0, at)),
                e.substring(at + 1, colon),
                Integer.parseInt(e.substring(colon + 1))));
      } catch (NumberFormatException ex) {
        throw new ConfigException(key, "invalid voter '%s': expected id@host:port".formatted(e));
      }
    }
    return List.copyOf(result);
  }
}
