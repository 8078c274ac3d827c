package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.flow.Pipeline;
import io.nanostream.testkit.InMemorySource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link JdbcSink} on H2, and from a {@code DataSource} rather than a URL. */
class H2JdbcSinkTest extends JdbcSinkContract {

    H2JdbcSinkTest() {
        super(new Database.H2());
    }

    @Test
    void takesItsConnectionsFromADataSource() throws Exception {
        var dataSource = new CountingDataSource("jdbc:h2:mem:from-a-data-source;DB_CLOSE_DELAY=-1");
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE words (word VARCHAR(20) PRIMARY KEY)");
        }
        var source = InMemorySource.of("nano", "stream");
        source.subscribe(JdbcSink.builder(dataSource).sql("INSERT INTO words (word) VALUES (?)")
                .binder((PreparedStatement statement, String word) -> statement.setString(1, word))
                .build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(30));
        }

        try (Connection c = dataSource.getConnection()) {
            assertEquals(List.of(2L), Database.ids(c, "SELECT COUNT(*) FROM words"));
        }
        assertEquals(List.of("nano", "stream"), source.awaitAllAcknowledged(Duration.ofSeconds(30)));
        assertEquals(3, dataSource.connections.get(), "the test's two and the sink's one");
    }

    /** A data source without a pool, counting the connections it hands out. */
    private static final class CountingDataSource extends TestDataSource {
        private final String url;
        final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

        CountingDataSource(String url) {
            this.url = url;
        }

        @Override
        public Connection getConnection() throws java.sql.SQLException {
            connections.incrementAndGet();
            return java.sql.DriverManager.getConnection(url);
        }
    }
}
