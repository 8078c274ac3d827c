package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nanostream.flow.Pipeline;
import io.nanostream.testkit.InMemorySource;
import java.sql.BatchUpdateException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The builder's checks, the failure classification, and a database that is not there. */
class JdbcSinkTest {

    @Test
    void aUrlThatIsNotJdbcIsRefusedWithoutItsPassword() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> JdbcSink.builder("postgresql://db/test?user=u&password=secret"));

        assertEquals("jdbcUrl must start with 'jdbc:', like jdbc:postgresql://host:5432/db:"
                + " postgresql://db/test?user=u&password=***", e.getMessage());
    }

    @Test
    void settingsOutOfRangeAreNamed() {
        JdbcSink.Builder<Object> builder = JdbcSink.builder("jdbc:h2:mem:x");

        assertEquals("batchSize must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> builder.batchSize(0)).getMessage());
        assertEquals("maxWait must not be negative: PT-1S",
                assertThrows(IllegalArgumentException.class, () -> builder.maxWait(Duration.ofSeconds(-1))).getMessage());
        assertEquals("maxAttempts must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> builder.retries(0, Duration.ZERO)).getMessage());
    }

    @Test
    void aSettingGivenTwiceFailsAtOnceNamingTheValueItHas() {
        var builder = JdbcSink.builder("jdbc:h2:mem:x").sql("INSERT INTO t VALUES (?)").batchSize(50)
                .retries(3, Duration.ofMillis(10));

        assertEquals("sql was already set to 'INSERT INTO t VALUES (?)'; set it once",
                assertThrows(IllegalStateException.class, () -> builder.sql("DELETE FROM t")).getMessage());
        assertEquals("batchSize was already set to 50; set it once",
                assertThrows(IllegalStateException.class, () -> builder.batchSize(100)).getMessage());
        assertEquals("retries was already set to 3 attempts, first backoff PT0.01S; set it once",
                assertThrows(IllegalStateException.class, () -> builder.retries(5, Duration.ZERO)).getMessage());
    }

    @Test
    void aSinkWithoutStatementOrBinderIsNotBuilt() {
        assertEquals("no statement to write with: call sql(...)",
                assertThrows(IllegalStateException.class, () -> JdbcSink.builder("jdbc:h2:mem:x").build()).getMessage());
        assertEquals("no way to bind items to the statement: call binder(...)", assertThrows(IllegalStateException.class,
                () -> JdbcSink.builder("jdbc:h2:mem:x").sql("INSERT INTO t VALUES (?)").build()).getMessage());
    }

    @Test
    void failuresAreToldApartBySqlState() {
        assertEquals(Failure.ITEM, Failure.of(new SQLException("value too long", "22001")));
        assertEquals(Failure.ITEM, Failure.of(new SQLException("duplicate key", "23505")));
        assertEquals(Failure.ITEM, Failure.of(new SQLException("incorrect integer value", "HY000")));
        assertEquals(Failure.ITEM, Failure.of(new SQLException("the driver does not say")));
        assertEquals(Failure.TRANSIENT, Failure.of(new SQLException("connection refused", "08001")));
        assertEquals(Failure.TRANSIENT, Failure.of(new SQLException("deadlock", "40P01")));
        assertEquals(Failure.TRANSIENT, Failure.of(new SQLException("admin shutdown", "57P01")));
        assertEquals(Failure.TRANSIENT, Failure.of(new SQLException("timeout", "HYT00")));
        assertEquals(Failure.TRANSIENT, Failure.of(new SQLTransientConnectionException("gone")));
        assertEquals(Failure.STATEMENT, Failure.of(new SQLException("no such table", "42P01")));
        assertEquals(Failure.STATEMENT, Failure.of(new SQLException("bad password", "28P01")));
    }

    @Test
    void aBatchFailureTakesItsStateFromTheExceptionItChains() {
        var batch = new BatchUpdateException("batch entry 3 failed", null, 0, new int[0], null);
        batch.setNextException(new SQLException("duplicate key", "23505"));

        assertEquals("23505", Failure.sqlState(batch));
        assertEquals(Failure.ITEM, Failure.of(batch));
    }

    @Test
    void whileItRetriesADatabaseItCannotReachItsPipelineIsNotReadyAndSaysWhy() throws Exception {
        var source = InMemorySource.of("a");
        source.subscribe(JdbcSink.builder("jdbc:postgresql://127.0.0.1:1/test?user=postgres").named("totals")
                .sql("INSERT INTO t VALUES (?)")
                .binder((PreparedStatement statement, String item) -> statement.setString(1, item))
                .retries(3, Duration.ofSeconds(30))
                .build());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            List<String> reasons = pipeline.health().reasons();
            while (reasons.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    fail("the pipeline stayed ready though its sink cannot connect");
                }
                new CountDownLatch(1).await(10, TimeUnit.MILLISECONDS);
                reasons = pipeline.health().reasons();
            }

            assertEquals(1, reasons.size(), reasons.toString());
            assertTrue(reasons.get(0).startsWith("sink 'totals' cannot write to jdbc:postgresql://127.0.0.1:1/test?"
                    + "user=postgres: attempt 1 of 3 failed (") && reasons.get(0).endsWith("); it tries again on a new"
                    + " connection, and fails the pipeline after the last"), reasons.get(0));
            pipeline.close(Duration.ofMillis(200)); // the sink waits 30 s before its next attempt
        }
    }
}
