package io.nanostream.jdbc;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

/**
 * A service for {@link JdbcCrashTest}, run in a child JVM: reads the rows of a table as they are
 * added, doubles each amount, and inserts the result into another table, until the JVM is killed
 * or stopped. Arguments: the JDBC URL, the table read, the table written, the source's name, and
 * who keeps the source's positions: {@code sink} (in the sink's transactions) or {@code source}.
 */
final class JdbcRelay {

    private JdbcRelay() {
    }

    public static void main(String[] args) throws InterruptedException {
        String url = args[0];
        JdbcSource<long[]> source = JdbcSource.builder(url)
                .query("SELECT id, amount FROM " + args[1] + " WHERE id > ? ORDER BY id", "id")
                .mapper((ResultSet row) -> new long[] {row.getLong("id"), row.getLong("amount")})
                .named(args[3]).batchSize(200).pollInterval(Duration.ofMillis(5)).commitInterval(Duration.ofMillis(20))
                .build();
        AbstractStep<long[], long[]> doubled = Steps.map((long[] row) -> new long[] {row[0], 2 * row[1]});
        source.subscribe(doubled);
        JdbcSink.Builder<long[]> sink = JdbcSink.builder(url).sql("INSERT INTO " + args[2] + " (id, amount) VALUES (?, ?)")
                .binder((PreparedStatement statement, long[] row) -> {
                    statement.setLong(1, row[0]);
                    statement.setLong(2, row[1]);
                }).batchSize(50).maxWait(Duration.ofMillis(10));
        doubled.subscribe("sink".equals(args[4]) ? sink.positionsOf(source).build() : sink.build());
        Pipeline pipeline = Pipeline.from(source).named("relay");
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(20)));
    }
}
