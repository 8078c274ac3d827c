package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.flow.Pipeline;
import io.nanostream.testkit.InMemorySource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The example in the javadoc of {@link JdbcSink}, kept true, on PostgreSQL. */
class JdbcSinkExampleTest {

    record Total(String customer, long amount) {
    }

    @Test
    void upsertsEachCustomersLatestTotal() throws Exception {
        var database = new Database.Postgres();
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS totals");
            s.execute("CREATE TABLE totals (customer VARCHAR(20) PRIMARY KEY, amount BIGINT NOT NULL)");
        }
        var totals = InMemorySource.of(new Total("ada", 3), new Total("bob", 5), new Total("ada", 7));

        JdbcSink<Total> sink = JdbcSink.builder("jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
                .sql("INSERT INTO totals (customer, amount) VALUES (?, ?)"
                        + " ON CONFLICT (customer) DO UPDATE SET amount = EXCLUDED.amount")
                .binder((PreparedStatement statement, Total total) -> {
                    statement.setString(1, total.customer());
                    statement.setLong(2, total.amount());
                })
                .batchSize(500)
                .maxWait(Duration.ofMillis(100))
                .build();
        totals.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(totals)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(30));
        }

        Map<String, Long> rows = new TreeMap<>();
        try (Connection c = database.connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT customer, amount FROM totals")) {
            while (r.next()) {
                rows.put(r.getString(1), r.getLong(2));
            }
        }
        assertEquals(Map.of("ada", 7L, "bob", 5L), rows);
    }
}
