package io.nanostream.jdbc;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import io.nanostream.testkit.tck.SourceVerification;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.testng.annotations.BeforeClass;

/**
 * Verifies {@link JdbcSource} against the Reactive Streams TCK, each source reading a range of
 * rows of an H2 table, as many as the TCK asks for, to its end.
 */
public class JdbcSourceTckTest extends SourceVerification<Long> {

    private static final String URL = "jdbc:h2:mem:tck-source;DB_CLOSE_DELAY=-1";
    private static final int ROWS = 100_000;

    private final AtomicInteger sources = new AtomicInteger();

    @BeforeClass
    public void table() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS tck (id BIGINT PRIMARY KEY)");
            s.execute("INSERT INTO tck SELECT X FROM SYSTEM_RANGE(1, " + ROWS + ")");
        }
    }

    @Override
    protected AbstractSource<Long> createSource(long elements) {
        return JdbcSource.builder(URL)
                .query("SELECT id FROM tck WHERE id > ? AND id <= " + elements + " ORDER BY id", "id")
                .mapper((ResultSet row) -> row.getLong("id"))
                .named("tck-" + sources.incrementAndGet())
                .stopAtEnd()
                .build();
    }

    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        return Standalone.start(JdbcSource.builder(URL)
                .query("SELECT id FROM no_such_table WHERE id > ? ORDER BY id", "id")
                .mapper((ResultSet row) -> row.getLong("id"))
                .named("tck-failed")
                .build());
    }

    @Override
    public long maxElementsFromPublisher() {
        return ROWS; // in the table up front; the TCK skips what needs more
    }
}
