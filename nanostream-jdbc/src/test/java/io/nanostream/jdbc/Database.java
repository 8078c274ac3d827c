package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A real database engine the tests write to, and what differs between engines: the upsert, and
 * how to cut another session's connection.
 */
abstract class Database {

    final String name;
    final String url;

    Database(String name, String url) {
        this.name = name;
        this.url = url;
    }

    /** {@code INSERT} of (customer, amount) that overwrites the amount of an existing customer. */
    abstract String upsert(String table);

    /**
     * {@code INSERT} of (customer, amount) that leaves an existing customer's row as it is: the
     * first write wins, as docs/GUARANTEES.md tells users to write a window's results.
     */
    abstract String insertFirst(String table);

    /** Ends every other session on this database, as a server restart or a proxy would. */
    abstract void killOtherSessions(Connection admin) throws SQLException;

    /**
     * Connects, or, when the server is not there, skips the test saying why; with CI=true the
     * server is required and the test fails instead.
     */
    Connection connect() {
        try {
            DriverManager.setLoginTimeout(5);
            return DriverManager.getConnection(url);
        } catch (SQLException e) {
            String why = name + " is not reachable at " + url + " (" + e.getMessage() + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                return fail(why + "; CI=true requires it");
            }
            Assumptions.abort(why + "; these tests run where it is, and CI=true makes them mandatory");
            return null;
        }
    }

    /** Creates a table (customer primary key, amount not null) of a new name, and returns it. */
    String newTable() throws SQLException {
        String table = "totals_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (customer VARCHAR(20) PRIMARY KEY, amount BIGINT NOT NULL)");
        }
        return table;
    }

    static List<Long> ids(Connection c, String query) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = c.createStatement(); var rows = s.executeQuery(query)) {
            while (rows.next()) {
                ids.add(rows.getLong(1));
            }
        }
        return ids;
    }

    @Override
    public String toString() {
        return name;
    }

    static final class H2 extends Database {
        H2() {
            super("H2", "jdbc:h2:mem:nanostream;DB_CLOSE_DELAY=-1");
        }

        @Override
        String upsert(String table) {
            return "MERGE INTO " + table + " (customer, amount) KEY (customer) VALUES (?, ?)";
        }

        @Override
        String insertFirst(String table) {
            return "MERGE INTO " + table + " t USING (SELECT CAST(? AS VARCHAR(20)) customer, CAST(? AS BIGINT) amount) s"
                    + " ON t.customer = s.customer WHEN NOT MATCHED THEN INSERT (customer, amount) VALUES (s.customer, s.amount)";
        }

        @Override
        void killOtherSessions(Connection admin) throws SQLException {
            for (long id : ids(admin, "SELECT SESSION_ID FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID <> SESSION_ID()")) {
                try (Statement s = admin.createStatement()) {
                    s.execute("CALL ABORT_SESSION(" + id + ")");
                }
            }
        }
    }

    static final class Postgres extends Database {
        Postgres() {
            super("PostgreSQL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        }

        @Override
        String upsert(String table) {
            return "INSERT INTO " + table + " (customer, amount) VALUES (?, ?)"
                    + " ON CONFLICT (customer) DO UPDATE SET amount = EXCLUDED.amount";
        }

        @Override
        String insertFirst(String table) {
            return "INSERT INTO " + table + " (customer, amount) VALUES (?, ?) ON CONFLICT (customer) DO NOTHING";
        }

        @Override
        void killOtherSessions(Connection admin) throws SQLException {
            try (Statement s = admin.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()");
            }
        }
    }

    static final class MariaDb extends Database {
        MariaDb() {
            super("MariaDB", "jdbc:mariadb://127.0.0.1:3306/test?user=root&password=");
        }

        @Override
        String upsert(String table) {
            return "INSERT INTO " + table + " (customer, amount) VALUES (?, ?)"
                    + " ON DUPLICATE KEY UPDATE amount = VALUES(amount)";
        }

        @Override
        String insertFirst(String table) {
            return "INSERT INTO " + table + " (customer, amount) VALUES (?, ?) ON DUPLICATE KEY UPDATE customer = customer";
        }

        @Override
        void killOtherSessions(Connection admin) throws SQLException {
            for (long id : ids(admin, "SELECT ID FROM information_schema.PROCESSLIST"
                    + " WHERE ID <> CONNECTION_ID() AND DB = DATABASE() AND COMMAND <> 'Daemon'")) {
                try (Statement s = admin.createStatement()) {
                    s.execute("KILL " + id);
                } catch (SQLException gone) {
                    // it ended by itself meanwhile
                }
            }
        }
    }
}
