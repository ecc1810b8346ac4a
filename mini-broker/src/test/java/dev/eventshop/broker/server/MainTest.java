package dev.eventshop.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void theReadyLineCountsFromTheProcessStart() {
    long jvmUptime = ManagementFactory.getRuntimeMXBean().getUptime();
    long sinceStart = Main.millisSinceProcessStart();
    long jvmUptimeAfter = ManagementFactory.getRuntimeMXBean().getUptime();
    // The process starts shortly before the JVM (the launcher's work), and /proc counts in 10 ms
    // ticks. ProcessHandle's start instant was up to a second early here.
    assertThat(sinceStart).isBetween(jvmUptime - 20, jvmUptimeAfter + 500);
  }
}
