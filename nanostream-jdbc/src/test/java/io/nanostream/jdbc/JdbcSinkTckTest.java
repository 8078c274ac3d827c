package io.nanostream.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;
import org.testng.annotations.BeforeClass;

/**
 * Verifies {@link JdbcSink} against the Reactive Streams TCK, black-box (it is final), writing
 * to an H2 table.
 */
public class JdbcSinkTckTest extends FlowSubscriberBlackboxVerification<Integer> {

    private static final String URL = "jdbc:h2:mem:tck;DB_CLOSE_DELAY=-1";

    public JdbcSinkTckTest() {
        super(new TestEnvironment(1000, 100));
    }

    @BeforeClass
    public void table() throws SQLException {
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS tck (item INT)");
        }
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber() {
        return JdbcSink.<Integer>builder(URL).sql("INSERT INTO tck (item) VALUES (?)")
                .binder((statement, item) -> statement.setInt(1, item))
                .build();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
