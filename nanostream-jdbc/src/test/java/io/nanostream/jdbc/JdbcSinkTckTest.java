package io.nanostream.jdbc;

import io.nanostream.flow.AbstractSink;
import io.nanostream.testkit.tck.SinkVerification;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.testng.annotations.BeforeClass;

/**
 * Verifies {@link JdbcSink} against the Reactive Streams TCK, black-box (it is final), writing
 * to an H2 table.
 */
public class JdbcSinkTckTest extends SinkVerification<Integer> {

    private static final String URL = "jdbc:h2:mem:tck;DB_CLOSE_DELAY=-1";

    @BeforeClass
    public void table() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS tck (item INT)");
        }
    }

    @Override
    protected AbstractSink<Integer> createSink() {
        return JdbcSink.builder(URL).sql("INSERT INTO tck (item) VALUES (?)")
                .binder((PreparedStatement statement, Integer item) -> statement.setInt(1, item))
                .build();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
