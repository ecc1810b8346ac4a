package dev.eventshop.support.ids;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.util.FileSystemUtils;

/**
 * Why the services' ids are time-ordered (decision 17; run by {@code bench/h2-keys.sh}, not a
 * test): inserts rows shaped like the inbox's into an H2 file database, keyed and indexed by random
 * (version 4) and by time-ordered (version 7) UUIDs, with a {@code CHECKPOINT} every few rows as
 * the services' group commit does, and prints the process's CPU time and the file's growth for
 * each.
 *
 * <p>Arguments: {@code [rows per round] [rows per checkpoint] [rounds]}, default {@code 20000 20
 * 3}; the first round fills the table and is printed but not compared.
 */
public final class KeyOrderBench {

  private KeyOrderBench() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int perCheckpoint = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Path dir = Files.createTempDirectory("key-order-bench");
    try {
      for (int repeat = 0; repeat < 2; repeat++) {
        run(dir, "random (v4)", UUID::randomUUID, rows, perCheckpoint, rounds);
        run(dir, "time-ordered (v7)", TimeOrderedIds::next, rows, perCheckpoint, rounds);
      }
    } finally {
      FileSystemUtils.deleteRecursively(dir);
    }
  }

  private static void run(
      Path dir, String name, Supplier<UUID> ids, int rows, int perCheckpoint, int rounds)
      throws Exception {
    Path file = dir.resolve("keys.mv.db");
    Files.deleteIfExists(file);
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    String payload = "x".repeat(300);
    try (Connection db =
            DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("keys"), "sa", "");
        Statement ddl = db.createStatement()) {
      ddl.execute(
          "create table inbox (event_id uuid primary key, order_id varchar(64) not null,"
              + " payload varchar(1000) not null)");
      ddl.execute("create index inbox_by_order on inbox (order_id)");
      PreparedStatement insert = db.prepareStatement("insert into inbox values (?, ?, ?)");
      for (int round = 1; round <= rounds; round++) {
        long cpu = os.getProcessCpuTime();
        long size = Files.size(file);
        for (int i = 1; i <= rows; i++) {
          insert.setObject(1, ids.get());
          insert.setString(2, ids.get().toString());
          insert.setString(3, payload);
          insert.executeUpdate();
          if (i % perCheckpoint == 0) {
            ddl.execute("CHECKPOINT");
          }
        }
        System.out.printf(
            "%-18s round %d (%6d rows in the table): %5d ms CPU, file +%4d MB%n",
            name,
            round,
            round * rows,
            (os.getProcessCpuTime() - cpu) / 1_000_000,
            (Files.size(file) - size) >> 20);
      }
    }
  }
}
