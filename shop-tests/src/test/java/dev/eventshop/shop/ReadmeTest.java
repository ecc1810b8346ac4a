package dev.eventshop.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README honest: its test command is exactly what CI runs, and its command to run the
 * shop is the launcher, whose commands it names.
 */
class ReadmeTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void ciRunsExactlyTheReadmesTestCommand() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String ci = Files.readString(ROOT.resolve(".ci/run"));

    String testCommand = commandAfter(readme, "Run every test");

    assertThat(ci).contains("\n" + testCommand + "\n");
  }

  @Test
  void everyModuleOfTheLayoutTableExists() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher row = Pattern.compile("^\\| `([a-z-]+)/` \\|", Pattern.MULTILINE).matcher(readme);
    List<String> dirs = row.results().map(m -> m.group(1)).toList();

    assertThat(dirs).contains("mini-broker", "order-service", "contracts", "shop-tests");
    assertThat(dirs).allSatisfy(d -> assertThat(ROOT.resolve(d)).isDirectory());
  }

  @Test
  void theShopRunsWithTheLauncherAndEveryLauncherCommandInTheReadmeExists() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Path launcher = ROOT.resolve("shop");

    assertThat(commandAfter(readme, "Run the shop")).isEqualTo("./shop up");
    assertThat(launcher).isExecutable();
    String usage = Files.readString(launcher);
    Matcher command = Pattern.compile("\\./shop ([a-z|]+)").matcher(readme);
    List<String> commands = command.results().map(m -> m.group(1)).distinct().toList();
    assertThat(commands).contains("up", "down", "status", "logs", "order");
    for (String c : commands) {
      for (String one : c.split("\\|")) {
        assertThat(usage)
            .as("./shop %s is a command of the launcher", one)
            .containsPattern("\\n\\s+(?:[a-z]+\\|)*" + one + "[ |]");
      }
    }
  }

  /** The first fenced shell block after the heading that starts with {@code heading}. */
  static String commandAfter(String markdown, String heading) {
    Matcher m =
        Pattern.compile(
                "#+ "
                    + Pattern.quote(heading)
                    + "[^\\n]*\\n(?:[^`]*?)```(?:sh|bash)?\\n(.*?)\\n```",
                Pattern.DOTALL)
            .matcher(markdown);
    assertThat(m.find()).as("a command block under '%s'", heading).isTrue();
    return m.group(1).trim();
  }
}
