package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.ChildJvm;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table relayed to another by a pipeline in a child JVM ({@link JdbcRelay}) killed with SIGKILL:
 * right after a transaction that moved the source's position committed (seen in the database
 * itself), and at random moments; after the restarts every row is in the target table, and when
 * the sink keeps the positions, each row is there exactly once, though its statement is a plain
 * {@code INSERT}.
 */
@Tag("crash")
@Timeout(300)
class JdbcCrashTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int ROWS = 20_000;

    static Stream<Arguments> runs() {
        return Stream.of(Arguments.of(new Database.Postgres(), "sink"), Arguments.of(new Database.MariaDb(), "sink"),
                Arguments.of(new Database.Postgres(), "source"));
    }

    @ParameterizedTest(name = "{0}, positions kept by the {1}")
    @MethodSource("runs")
    void fiveKillsLoseNoRow(Database database, String keeper) throws Exception {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String orders = "crash_orders_" + suffix;
        String copies = "crash_copies_" + suffix;
        String name = "crash-" + suffix;
        List<String> moments = List.of("commit", "random", "commit", "random", "commit");
        int part = ROWS / (moments.size() + 1);
        Random random = new Random();
        try (Connection admin = database.connect()) {
            execute(admin, "CREATE TABLE " + orders + " (id BIGINT PRIMARY KEY, amount BIGINT NOT NULL)");
            execute(admin, "CREATE TABLE " + copies + " (id BIGINT NOT NULL, amount BIGINT NOT NULL)");
            execute(admin, "CREATE TABLE IF NOT EXISTS nanostream_positions (name VARCHAR(200) PRIMARY KEY,"
                    + " position BIGINT NOT NULL)"); // as the source creates it, to be read before its first run
            for (int kill = 0; kill < moments.size(); kill++) {
                insert(admin, orders, kill * part + 1, (kill + 1) * part); // each child has rows of its own to read
                long positionBefore = position(admin, name);
                long copiedBefore = count(admin, copies);
                try (ChildJvm child = ChildJvm.start(JdbcRelay.class, database.url, orders, copies, name, keeper)) {
                    if (moments.get(kill).equals("commit")) {
                        child.await(TIMEOUT, "a committed position", () -> position(admin, name) != positionBefore);
                    } else {
                        long more = copiedBefore + 1 + random.nextInt(part);
                        child.await(TIMEOUT, "rows copied", () -> count(admin, copies) >= more);
                    }
                    child.kill();
                }
            }
            insert(admin, orders, moments.size() * part + 1, ROWS);
            try (ChildJvm last = ChildJvm.start(JdbcRelay.class, database.url, orders, copies, name, keeper)) {
                last.await(TIMEOUT, "every row copied", () -> distinct(admin, copies) == ROWS);
                assertTrue(last.stop(Duration.ofSeconds(30)), "the last relay stops when told"); // SIGTERM: a graceful stop
            }
            List<Long> ids = Database.ids(admin, "SELECT id FROM " + copies);
            Set<Long> missing = new TreeSet<>();
            for (long id = 1; id <= ROWS; id++) {
                missing.add(id);
            }
            missing.removeAll(ids);
            assertEquals(Set.of(), missing, "missing after " + moments.size() + " kills");
            assertEquals(List.of(0L), Database.ids(admin, "SELECT COUNT(*) FROM " + copies + " WHERE amount <> 20 * id"),
                    "every amount doubled");
            assertEquals(ROWS, position(admin, name), "all finished");
            int duplicates = ids.size() - new HashSet<>(ids).size();
            if (keeper.equals("sink")) {
                assertEquals(0, duplicates, "rows written twice, though the position commits with them");
            }
            System.out.printf("jdbc crash run (%s, positions kept by the %s): %d kills, %d of %d rows out, %d duplicates%n",
                    database, keeper, moments.size(), new HashSet<>(ids).size(), ROWS, duplicates);
            execute(admin, "DROP TABLE " + orders);
            execute(admin, "DROP TABLE " + copies);
        }
    }

    private static void execute(Connection admin, String sql) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute(sql);
        }
    }

    private static void insert(Connection admin, String table, long from, long to) throws SQLException {
        for (long start = from; start <= to; start += 1_000) {
            StringBuilder sql = new StringBuilder("INSERT INTO " + table + " (id, amount) VALUES ");
            for (long id = start; id <= Math.min(to, start + 999); id++) {
                sql.append(id == start ? "" : ", ").append("(").append(id).append(", ").append(10 * id).append(")");
            }
            execute(admin, sql.toString());
        }
    }

    /** The position the database holds for the source, or 0 before its first run made the row. */
    private static long position(Connection admin, String name) throws SQLException {
        List<Long> position = Database.ids(admin, "SELECT position FROM nanostream_positions WHERE name = '" + name + "'");
        return position.isEmpty() || position.get(0) == Long.MIN_VALUE ? 0 : position.get(0);
    }

    private static long count(Connection admin, String table) throws SQLException {
        return Database.ids(admin, "SELECT COUNT(*) FROM " + table).get(0);
    }

    private static long distinct(Connection admin, String table) throws SQLException {
        return Database.ids(admin, "SELECT COUNT(DISTINCT id) FROM " + table).get(0);
    }
}
