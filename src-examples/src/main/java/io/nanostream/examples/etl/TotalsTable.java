package io.nanostream.examples.etl;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The table the ETL writes: one row per customer and window, keyed by both. The first write of a
 * row wins: a window computed again after a crash, whole or in part, leaves its row as it was
 * first written (see {@link EtlPipeline}). Knows the statement of H2, PostgreSQL and MariaDB/MySQL.
 */
final class TotalsTable {

    static final String NAME = "customer_totals";

    private TotalsTable() {
    }

    /** Creates the table unless it exists. */
    static void create(String jdbcUrl) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + NAME + " ("
                    + "customer VARCHAR(32) NOT NULL, window_start TIMESTAMP NOT NULL, window_end TIMESTAMP NOT NULL, "
                    + "orders BIGINT NOT NULL, ordered_cents BIGINT NOT NULL, payments BIGINT NOT NULL, "
                    + "paid_cents BIGINT NOT NULL, shipments BIGINT NOT NULL, PRIMARY KEY (customer, window_start))");
        }
    }

    /**
     * The statement that writes a row unless the row of the same customer and window exists: the
     * first write wins. (Not MySQL's {@code INSERT IGNORE}, which would also drop a row with a bad
     * value, silently.)
     */
    static String insertFirst(String jdbcUrl) {
        String columns = "(customer, window_start, window_end, orders, ordered_cents, payments, paid_cents, shipments)";
        String values = " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return "MERGE INTO " + NAME + " t USING (SELECT CAST(? AS VARCHAR(32)) customer, CAST(? AS TIMESTAMP)"
                    + " window_start, CAST(? AS TIMESTAMP) window_end, CAST(? AS BIGINT) orders, CAST(? AS BIGINT)"
                    + " ordered_cents, CAST(? AS BIGINT) payments, CAST(? AS BIGINT) paid_cents, CAST(? AS BIGINT)"
                    + " shipments) s ON t.customer = s.customer AND t.window_start = s.window_start"
                    + " WHEN NOT MATCHED THEN INSERT " + columns + " VALUES (s.customer, s.window_start, s.window_end,"
                    + " s.orders, s.ordered_cents, s.payments, s.paid_cents, s.shipments)";
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return "INSERT INTO " + NAME + " " + columns + values + " ON CONFLICT (customer, window_start) DO NOTHING";
        }
        if (jdbcUrl.startsWith("jdbc:mariadb:") || jdbcUrl.startsWith("jdbc:mysql:")) {
            return "INSERT INTO " + NAME + " " + columns + values + " ON DUPLICATE KEY UPDATE customer = customer";
        }
        throw new IllegalArgumentException("the demo writes to H2, PostgreSQL, MariaDB or MySQL; "
                + jdbcUrl.replaceAll("(?i)password=[^&;]*", "password=***") + " is none of them");
    }

    /** Sets the statement's parameters from a customer's totals. */
    static void bind(PreparedStatement statement, CustomerTotals totals) throws SQLException {
        statement.setString(1, totals.customer());
        statement.setObject(2, LocalDateTime.ofInstant(totals.windowStart(), ZoneOffset.UTC));
        statement.setObject(3, LocalDateTime.ofInstant(totals.windowEnd(), ZoneOffset.UTC));
        statement.setLong(4, totals.orders());
        statement.setLong(5, totals.orderedCents());
        statement.setLong(6, totals.payments());
        statement.setLong(7, totals.paidCents());
        statement.setLong(8, totals.shipments());
    }

    /** What the table holds, for the demo's summary: rows written since {@code since}. */
    static Contents read(String jdbcUrl, LocalDateTime since) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl)) {
            Contents sums;
            try (PreparedStatement query = connection.prepareStatement("SELECT COUNT(*), COUNT(DISTINCT customer),"
                    + " COALESCE(SUM(orders), 0), COALESCE(SUM(payments), 0), COALESCE(SUM(shipments), 0) FROM " + NAME
                    + " WHERE window_end > ?")) {
                query.setObject(1, since);
                try (ResultSet row = query.executeQuery()) {
                    row.next();
                    sums = new Contents(row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), row.getLong(5),
                            List.of());
                }
            }
            List<String> top = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement("SELECT customer, SUM(ordered_cents) AS ordered FROM "
                    + NAME + " WHERE window_end > ? GROUP BY customer ORDER BY ordered DESC, customer LIMIT 3")) {
                query.setObject(1, since);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        top.add(rows.getString(1) + " " + Event.money(rows.getLong(2)));
                    }
                }
            }
            return new Contents(sums.rows, sums.customers, sums.orders, sums.payments, sums.shipments, top);
        }
    }

    /** Rows, customers and sums the table holds, and the customers who ordered most. */
    record Contents(long rows, long customers, long orders, long payments, long shipments, List<String> topCustomers) {
    }
}
