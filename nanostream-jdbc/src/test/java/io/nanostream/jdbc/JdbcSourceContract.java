package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.flow.Steps;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link JdbcSource} does on every database engine; a subclass names the engine. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
abstract class JdbcSourceContract {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** A row of the orders table. */
    record Order(long id, String customer, long amount) {
    }

    private final Database database;
    Connection admin;
    private String orders;
    String copies;
    private String name;

    JdbcSourceContract(Database database) {
        this.database = database;
    }

    @BeforeEach
    void tables() throws SQLException {
        admin = database.connect();
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        orders = "orders_" + suffix;
        copies = "copies_" + suffix;
        name = "source-" + suffix;
        execute("CREATE TABLE " + orders + " (id BIGINT PRIMARY KEY, customer VARCHAR(20) NOT NULL, amount BIGINT NOT NULL)");
        execute("CREATE TABLE " + copies + " (id BIGINT NOT NULL, amount BIGINT NOT NULL)"); // no key: a row written twice is there twice
    }

    @AfterEach
    void close() throws SQLException {
        admin.close();
    }

    void execute(String sql) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute(sql);
        }
    }

    void insertOrders(long from, long to) throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO " + orders + " (id, customer, amount) VALUES ");
        for (long id = from; id <= to; id++) {
            sql.append(id == from ? "" : ", ").append("(").append(id).append(", 'c").append(id % 10).append("', ")
                    .append(id * 10).append(")");
        }
        execute(sql.toString());
    }

    JdbcSource.Builder<Order> source() {
        return JdbcSource.builder(database.url)
                .query("SELECT id, customer, amount FROM " + orders + " WHERE id > ? ORDER BY id", "id")
                .mapper(JdbcSourceContract::order)
                .named(name)
                .positionsTable("nanostream_positions_test");
    }

    private static Order order(ResultSet row) throws SQLException {
        return new Order(row.getLong("id"), row.getString("customer"), row.getLong("amount"));
    }

    long position() throws SQLException {
        return Database.ids(admin, "SELECT position FROM nanostream_positions_test WHERE name = '" + name + "'").get(0);
    }

    /** A sink writing each order's id and amount into the copies table, keeping {@code source}'s positions. */
    JdbcSink.Builder<Order> copiesKeepingThePositionsOf(JdbcSource<Order> source) {
        return copiesKeepingThePositionsOf(source, JdbcSink.builder(database.url));
    }

    private JdbcSink.Builder<Order> copiesKeepingThePositionsOf(JdbcSource<Order> source, JdbcSink.Builder<Object> sink) {
        return sink.sql("INSERT INTO " + copies + " (id, amount) VALUES (?, ?)")
                .binder((java.sql.PreparedStatement statement, Order order) -> {
                    statement.setLong(1, order.id());
                    statement.setLong(2, order.amount());
                }).positionsOf(source);
    }

    private static List<Long> ids(List<Order> orders) {
        return orders.stream().map(Order::id).collect(Collectors.toList());
    }

    static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }

    private static void run(Pipeline pipeline) throws Exception {
        try (pipeline) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
    }

    @Test
    void readsEveryRowInOrderAndKeepsThePositionAfterTheLast() throws Exception {
        insertOrders(1, 1_000);
        JdbcSource<Order> source = source().batchSize(64).stopAtEnd().build();
        var sink = new CollectingSink<Order>();
        source.subscribe(sink);

        run(Pipeline.from(source));

        assertEquals(range(1, 1_000), ids(sink.items()));
        assertEquals(new Order(7, "c7", 70), sink.items().get(6));
        assertEquals(1_000, position());
    }

    @Test
    void aRestartResumesAfterTheRowsFinishedNotAfterTheRowsRead() throws Exception {
        insertOrders(1, 1_000);
        JdbcSource<Order> first = source().batchSize(50).stopAtEnd().build();
        AbstractStep<Order, Order> failing = Steps.map((Order order) -> {
            if (order.id() == 600) {
                throw new IllegalStateException("order 600 fails the first run");
            }
            return order;
        });
        first.subscribe(failing);
        failing.subscribe(new CollectingSink<>());
        try (Pipeline pipeline = Pipeline.from(first)) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }
        long kept = position();
        assertTrue(kept < 600, "kept " + kept + ", past the row that failed");

        JdbcSource<Order> second = source().stopAtEnd().build();
        var sink = new CollectingSink<Order>();
        second.subscribe(sink);
        run(Pipeline.from(second));

        assertEquals(range(kept + 1, 1_000), ids(sink.items()), "the second run reads from the first unfinished row");
        assertEquals(1_000, position());
    }

    @Test
    void aConnectionLostHalfwayThroughAResultReadsItsRowsAgain() throws Exception {
        insertOrders(1, 300);
        var database = LosingConnections.atRow(this.database.url, 150);
        JdbcSource<Order> source = JdbcSource.builder(database)
                .query("SELECT id, customer, amount FROM " + orders + " WHERE id > ? ORDER BY id", "id")
                .mapper(JdbcSourceContract::order).named(name).positionsTable("nanostream_positions_test")
                .batchSize(200).retries(3, Duration.ofMillis(10)).stopAtEnd().build();
        var sink = new CollectingSink<Order>();
        source.subscribe(sink);

        run(Pipeline.from(source));

        assertEquals(1, database.lost());
        assertEquals(range(1, 300), ids(sink.items()), "each once, none skipped");
        assertEquals(300, position());
    }

    @Test
    void followsRowsAddedWhileItRuns() throws Exception {
        insertOrders(1, 100);
        JdbcSource<Order> source = source().pollInterval(Duration.ofMillis(10)).commitInterval(Duration.ofMillis(10))
                .build();
        var sink = new CollectingSink<Order>();
        source.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            sink.awaitCount(100, TIMEOUT);
            insertOrders(101, 250);
            assertEquals(range(1, 250), ids(sink.awaitCount(250, TIMEOUT)));
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
        assertEquals(250, position());
    }

    @Test
    void aSinkThatKeepsThePositionsCommitsThemWithItsRowsSoThatNoRowIsWrittenTwice() throws Exception {
        insertOrders(1, 1_000);
        for (int run = 0; run < 2; run++) {
            boolean failAt700 = run == 0;
            JdbcSource<Order> source = source().batchSize(100).stopAtEnd().build();
            AbstractStep<Order, Order> check = Steps.map((Order order) -> {
                if (failAt700 && order.id() == 700) {
                    throw new IllegalStateException("order 700 fails the first run");
                }
                return order;
            });
            source.subscribe(check);
            check.subscribe(copiesKeepingThePositionsOf(source).batchSize(30).build());
            try (Pipeline pipeline = Pipeline.from(source)) {
                pipeline.start();
                if (failAt700) {
                    assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
                } else {
                    pipeline.await(TIMEOUT);
                }
            }
            if (failAt700) {
                long kept = position();
                assertTrue(kept > 0 && kept < 700, "kept " + kept);
                assertEquals(range(1, kept), Database.ids(admin, "SELECT id FROM " + copies + " ORDER BY id"),
                        "the rows committed are those the position says");
            }
        }
        assertEquals(range(1, 1_000), Database.ids(admin, "SELECT id FROM " + copies + " ORDER BY id"),
                "every row once");
        assertEquals(1_000, position());
    }

    @Test
    void aCommitWhoseAnswerIsLostWithTheConnectionWritesNoRowTwiceAndLosesNone() throws Exception {
        insertOrders(1, 1_000);
        var database = LosingConnections.atCommits(this.database.url, Set.of(3, 9), Set.of(6)); // two commit, one does not
        JdbcSource<Order> source = source().batchSize(100).stopAtEnd().build();
        source.subscribe(copiesKeepingThePositionsOf(source, JdbcSink.builder(database)).batchSize(30)
                .retries(5, Duration.ofMillis(10)).build());

        run(Pipeline.from(source));

        assertEquals(3, database.lost());
        assertEquals(range(1, 1_000), Database.ids(admin, "SELECT id FROM " + copies + " ORDER BY id"), "every row once");
        assertEquals(1_000, position());
    }

    @Test
    void itemsOfAnotherSourceAreReleasedOnlyOnceTheirRowsAreCommitted() throws Exception {
        insertOrders(1, 10);
        var database = LosingConnections.atCommits(this.database.url, Set.of(), Set.of(1)); // the first commit fails
        JdbcSource<Order> source = source().stopAtEnd().build();
        InMemorySource<Order> other = InMemorySource.from(LongStream.rangeClosed(101, 120)
                .mapToObj(id -> new Order(id, "other", id)).collect(Collectors.toList()));
        JdbcSink<Order> sink = copiesKeepingThePositionsOf(source, JdbcSink.builder(database)).batchSize(100)
                .maxWait(Duration.ofMinutes(1)).retries(1, Duration.ZERO).build();
        source.subscribe(sink);
        other.subscribe(sink);

        try (Pipeline pipeline = Pipeline.from(source, other)) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }

        assertEquals(1, database.lost());
        assertEquals(List.of(), Database.ids(admin, "SELECT id FROM " + copies), "the one batch was not committed");
        assertEquals(List.of(), other.acknowledged(), "no item of the other source heard it was written");
        assertTrue(position() < 1, "the position before the first order: " + position());
    }

    @Test
    void aLostCommitOfAnotherSourcesItemsThatDidNotMoveThePositionIsWrittenAgain() throws Exception {
        var database = LosingConnections.atCommits(this.database.url, Set.of(), Set.of(1));
        JdbcSource<Order> source = source().startAfter(0).stopAtEnd().build(); // no orders: the position stays 0
        InMemorySource<Order> other = InMemorySource.from(LongStream.rangeClosed(101, 120)
                .mapToObj(id -> new Order(id, "other", id)).collect(Collectors.toList()));
        JdbcSink<Order> sink = copiesKeepingThePositionsOf(source, JdbcSink.builder(database)).batchSize(100)
                .retries(3, Duration.ofMillis(10)).build();
        source.subscribe(sink);
        other.subscribe(sink);

        run(Pipeline.from(source, other));

        assertEquals(1, database.lost());
        assertEquals(range(101, 120), Database.ids(admin, "SELECT id FROM " + copies + " ORDER BY id"), "each once");
        assertEquals(20, other.awaitAllAcknowledged(TIMEOUT).size());
    }

    @Test
    void aLostCommitOfThePositionAloneIsWrittenAgain() throws Exception {
        insertOrders(1, 100);
        var database = LosingConnections.atCommits(this.database.url, Set.of(), Set.of(1));
        JdbcSource<Order> source = source().commitInterval(Duration.ofMinutes(1)).stopAtEnd().build();
        AbstractStep<Order, Order> none = Steps.filter((Order order) -> false);
        source.subscribe(none);
        none.subscribe(copiesKeepingThePositionsOf(source, JdbcSink.builder(database)).retries(3, Duration.ofMillis(10))
                .build());

        run(Pipeline.from(source));

        assertEquals(1, database.lost());
        assertEquals(100, position(), "the position of the rows filtered out, written again once the first try was lost");
    }

    @Test
    void rowsFilteredOutMoveTheKeptPositionTooOnceTheInputEnds() throws Exception {
        insertOrders(1, 100);
        JdbcSource<Order> source = source().stopAtEnd().build();
        AbstractStep<Order, Order> firstHalf = Steps.filter((Order order) -> order.id() <= 50);
        source.subscribe(firstHalf);
        firstHalf.subscribe(copiesKeepingThePositionsOf(source).build());

        run(Pipeline.from(source));

        assertEquals(range(1, 50), Database.ids(admin, "SELECT id FROM " + copies + " ORDER BY id"));
        assertEquals(100, position(), "the rows filtered out are finished too");
    }

    @Test
    void aRowTheMapperCannotReadGoesToTheErrorPolicyAndTheOthersAreRead() throws Exception {
        insertOrders(1, 10);
        JdbcSource<Order> source = JdbcSource.builder(database.url)
                .query("SELECT id, customer, amount FROM " + orders + " WHERE id > ? ORDER BY id", "id")
                .mapper((ResultSet row) -> {
                    if (row.getLong("id") == 5) {
                        throw new IllegalArgumentException("order 5 is unreadable");
                    }
                    return order(row);
                })
                .named(name).positionsTable("nanostream_positions_test").stopAtEnd().build();
        var deadLetters = new CollectingSink<io.nanostream.flow.DeadLetter>();
        source.withErrorPolicy(ErrorPolicy.deadLetter(deadLetters));
        var sink = new CollectingSink<Order>();
        source.subscribe(sink);

        run(Pipeline.from(source));

        assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L, 10L), ids(sink.items()));
        assertEquals(1, deadLetters.items().size());
        String message = deadLetters.items().get(0).errorMessage();
        assertTrue(message.contains("row with id 5") && message.contains("order 5 is unreadable"), message);
        assertEquals(10, position(), "a dead-lettered row is finished");
    }

    @Test
    void aQueryThatDoesNotReadInIncreasingOrderFailsThePipelineNamingTheRow() throws Exception {
        insertOrders(1, 10);
        JdbcSource<Order> source = JdbcSource.builder(database.url)
                .query("SELECT id, customer, amount FROM " + orders + " WHERE id > ? ORDER BY id DESC", "id")
                .mapper(JdbcSourceContract::order).named(name).positionsTable("nanostream_positions_test")
                .stopAtEnd().build();
        source.subscribe(new CollectingSink<>());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertTrue(failure.getMessage().contains("returned a row with id 9 after 10")
                    && failure.getMessage().contains("in increasing order"), failure.getMessage());
        }
    }

    @Test
    void aQueryOnAMissingTableFailsThePipelineNamingTheQuery() throws Exception {
        JdbcSource<Order> source = JdbcSource.builder(database.url)
                .query("SELECT id, customer, amount FROM no_such_table WHERE id > ? ORDER BY id", "id")
                .mapper(JdbcSourceContract::order).named(name).positionsTable("nanostream_positions_test").build();
        source.subscribe(new CollectingSink<>());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertTrue(failure.getMessage().contains("no_such_table WHERE id > ?")
                    && failure.getMessage().contains("check the query"), failure.getMessage());
        }
    }
}
