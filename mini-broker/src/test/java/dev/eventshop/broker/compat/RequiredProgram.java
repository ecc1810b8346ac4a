package dev.eventshop.broker.compat;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A program from the machine that a compatibility test needs (kcat, node with KafkaJS installed).
 * In CI ({@code CI=true}) a missing program fails the test, because CI's script installs it; on a
 * developer's machine the test is skipped with a message saying how to install it.
 */
public final class RequiredProgram {

  private RequiredProgram() {}

  /** The executable named {@code name} on the PATH. */
  public static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** Fails in CI, skips elsewhere, when {@code present} is false. */
  public static void require(boolean present, String what, String howToInstall) {
    if (present) {
      return;
    }
    String message = what + " is not installed: " + howToInstall;
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message + " (CI=true: .ci/run is expected to install it)");
    }
    Assumptions.abort(message);
  }

  /** The path of {@code name} on the PATH, failing or skipping as {@link #require} does. */
  public static Path require(String name, String howToInstall) {
    Optional<Path> found = onPath(name);
    require(found.isPresent(), name, howToInstall);
    return found.orElseThrow();
  }
}
