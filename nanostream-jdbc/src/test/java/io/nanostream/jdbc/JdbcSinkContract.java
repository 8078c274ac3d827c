package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.DeadLetter;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link JdbcSink} does on every database engine; a subclass names the engine. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
abstract class JdbcSinkContract {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** A row to write; a null amount breaks the table's NOT NULL constraint. */
    record Total(String customer, Long amount) {
    }

    private final Database database;
    private Connection reader;
    private String table;

    JdbcSinkContract(Database database) {
        this.database = database;
    }

    @BeforeEach
    void table() throws SQLException {
        reader = database.connect();
        table = database.newTable();
    }

    @AfterEach
    void closeReader() throws SQLException {
        if (reader != null) {
            reader.close();
        }
    }

    private JdbcSink.Builder<Total> sink() {
        return sink(database.upsert(table));
    }

    private JdbcSink.Builder<Total> sink(String sql) {
        return JdbcSink.builder(database.url).named("totals").sql(sql).binder(JdbcSinkContract::bind);
    }

    private static void bind(PreparedStatement statement, Total total) throws SQLException {
        statement.setString(1, total.customer());
        if (total.amount() == null) {
            statement.setNull(2, Types.BIGINT);
        } else {
            statement.setLong(2, total.amount());
        }
    }

    private Map<String, Long> rows() throws SQLException {
        synchronized (reader) {
            if (!reader.isValid(5)) {
                reader = database.connect();
            }
            Map<String, Long> rows = new TreeMap<>();
            try (Statement s = reader.createStatement(); var result = s.executeQuery("SELECT customer, amount FROM " + table)) {
                while (result.next()) {
                    rows.put(result.getString(1), result.getLong(2));
                }
            }
            return rows;
        }
    }

    private static List<Total> totals(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> new Total("c" + i, (long) i)).collect(Collectors.toList());
    }

    private static Map<String, Long> asRows(List<Total> totals) {
        return totals.stream().collect(Collectors.toMap(Total::customer, Total::amount, (a, b) -> b, TreeMap::new));
    }

    @Test
    void writesEveryItemAndAcknowledgesEachOnlyOnceItsRowIsCommitted() throws Exception {
        List<Total> totals = totals(0, 1_000);
        var source = InMemorySource.from(totals);
        source.onAcknowledged(total -> {
            try {
                assertEquals(total.amount(), rows().get(total.customer()), "acknowledged before its row was committed");
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
        source.subscribe(sink().batchSize(100).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(totals, source.awaitAllAcknowledged(TIMEOUT));
        assertEquals(asRows(totals), rows());
    }

    @Test
    void anItemWrittenAgainLandsOnItsRow() throws Exception {
        var source = InMemorySource.of(new Total("a", 1L), new Total("b", 2L), new Total("a", 3L), new Total("b", 4L),
                new Total("a", 5L));
        source.subscribe(sink().batchSize(2).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(Map.of("a", 5L, "b", 4L), rows());
    }

    @Test
    void withAFirstWriteWinsStatementARowWrittenAgainKeepsItsFirstValue() throws Exception {
        var source = InMemorySource.of(new Total("a", 1L), new Total("b", 2L), new Total("a", 3L), new Total("b", 4L),
                new Total("a", 5L));
        source.subscribe(sink(database.insertFirst(table)).batchSize(2).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(Map.of("a", 1L, "b", 2L), rows());
        assertEquals(5, source.awaitAllAcknowledged(TIMEOUT).size(), "a write left out is acknowledged as written");
    }

    @Test
    void aBatchThatDoesNotFillIsWrittenAfterMaxWait() throws Exception {
        var source = InMemorySource.<Total>manual();
        source.subscribe(sink().batchSize(100).maxWait(Duration.ofSeconds(1)).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            var time = VirtualTime.of(pipeline);
            pipeline.start();
            source.push(new Total("a", 1L)).push(new Total("b", 2L));
            time.advance(Duration.ofMillis(999));
            assertEquals(Map.of(), rows());
            assertEquals(List.of(), source.acknowledged());

            time.advance(Duration.ofMillis(1));
            assertEquals(Map.of("a", 1L, "b", 2L), rows());
            assertEquals(List.of(new Total("a", 1L), new Total("b", 2L)), source.acknowledged());
            source.complete();
            pipeline.await(TIMEOUT);
        }
    }

    @Test
    void aRowTheDatabaseRefusesIsDeadLetteredAndTheRestOfItsBatchIsWritten() throws Exception {
        List<Total> totals = totals(0, 10);
        Total broken = new Total("broken", null);
        totals.add(5, broken);
        var source = InMemorySource.from(totals);
        var deadLetters = new CollectingSink<DeadLetter>();
        source.subscribe(sink().batchSize(100).withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(asRows(totals(0, 10)), rows());
        DeadLetter letter = deadLetters.items().get(0);
        assertEquals(1, deadLetters.items().size());
        assertEquals(broken, letter.item());
        assertEquals("totals", letter.step());
        assertTrue(Failure.sqlState((SQLException) letter.error()).startsWith("23"), letter.errorMessage());
        assertEquals(totals.size(), source.awaitAllAcknowledged(TIMEOUT).size(), "a dead letter counts as delivered");
    }

    @Test
    void byDefaultARefusedRowFailsThePipelineNamingTheSinkAndTheItem() throws Exception {
        var source = InMemorySource.of(new Total("a", 1L), new Total("broken", null));
        source.subscribe(sink().build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

            assertEquals("totals", failure.nodeName());
            assertTrue(failure.getMessage().contains("broken"), failure.getMessage());
        }
        assertEquals(Map.of("a", 1L), rows());
        assertEquals(List.of(new Total("broken", null)), source.deliveryFailures());
    }

    @Test
    void anItemTheBinderThrowsOnIsSkippedAloneUnderTheSkipPolicy() throws Exception {
        var source = InMemorySource.of(new Total("a", 1L), new Total("unbindable", 2L), new Total("c", 3L));
        source.subscribe(JdbcSink.builder(database.url).sql(database.upsert(table))
                .binder((PreparedStatement statement, Total total) -> {
                    if (total.customer().equals("unbindable")) {
                        throw new IllegalArgumentException("no row for " + total);
                    }
                    bind(statement, total);
                })
                .withErrorPolicy(ErrorPolicy.skip())
                .build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(Map.of("a", 1L, "c", 3L), rows());
        assertEquals(3, source.awaitAllAcknowledged(TIMEOUT).size());
    }

    /**
     * Starts the pipeline, pushes {@code half} totals, waits until they are acknowledged, cuts the
     * sink's connection from the server's side, then pushes as many more and completes.
     */
    private void pushCuttingTheConnectionHalfway(Pipeline pipeline, InMemorySource<Total> source, int half,
            CountDownLatch firstHalfAcknowledged) throws Exception {
        pipeline.start();
        totals(0, half).forEach(source::push);
        assertTrue(firstHalfAcknowledged.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS),
                "the first " + half + " rows were not acknowledged");
        try (Connection admin = database.connect()) {
            database.killOtherSessions(admin);
        }
        totals(half, 2 * half).forEach(source::push);
        source.complete();
    }

    @Test
    void aCutConnectionIsReopenedAndNothingIsLost() throws Exception {
        var source = InMemorySource.<Total>manual();
        var firstHalf = new CountDownLatch(100);
        source.onAcknowledged(total -> firstHalf.countDown());
        source.subscribe(sink().batchSize(20).maxWait(Duration.ofMillis(10)).retries(20, Duration.ofMillis(50)).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pushCuttingTheConnectionHalfway(pipeline, source, 100, firstHalf);

            pipeline.await(TIMEOUT);
            assertEquals(200, source.awaitAllAcknowledged(TIMEOUT).size());
        }
        reader = database.connect();
        assertEquals(asRows(totals(0, 200)), rows());
    }

    @Test
    void aConnectionThatCannotBeReopenedFailsThePipelineWhateverTheErrorPolicy() throws Exception {
        var source = InMemorySource.<Total>manual();
        var firstBatch = new CountDownLatch(20);
        source.onAcknowledged(total -> firstBatch.countDown());
        source.subscribe(sink().batchSize(20).retries(1, Duration.ZERO).withErrorPolicy(ErrorPolicy.skip()).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pushCuttingTheConnectionHalfway(pipeline, source, 20, firstBatch);
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

            assertEquals("totals", failure.nodeName());
            assertTrue(failure.getMessage().contains("could not write to " + database.url.replaceAll("password=[^&]*",
                    "password=***") + " in 1 attempt(s)"), failure.getMessage());
        }
        assertEquals(totals(0, 20), source.acknowledged());
        assertEquals(20, source.deliveryFailures().size(), "the batch the connection was lost under is not skipped");
    }

    @Test
    void aStatementOnAMissingTableFailsThePipelineNamingTheStatement() throws Exception {
        var source = InMemorySource.of(new Total("a", 1L));
        String sql = database.upsert("no_such_table");
        source.subscribe(sink(sql).build());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));

            assertEquals("totals", failure.nodeName());
            assertTrue(failure.getCause().getMessage().contains(sql), failure.getCause().getMessage());
        }
        assertEquals(List.of(), source.acknowledged());
    }
}
