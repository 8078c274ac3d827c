package io.nanostream.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.flow.Pipeline;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The examples in the javadoc of {@link JdbcSource} and {@link JdbcSink.Builder#positionsOf}, kept true, on PostgreSQL. */
class JdbcSourceExampleTest {

    record Order(long id, String customer, long amount) {
    }

    @Test
    void readsTheOrdersAddedAndKeepsThePositionWithTheRowsWritten() throws Exception {
        var database = new Database.Postgres();
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders");
            s.execute("DROP TABLE IF EXISTS big_orders");
            s.execute("CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, customer VARCHAR(20) NOT NULL, amount BIGINT NOT NULL)");
            s.execute("CREATE TABLE big_orders (id BIGINT PRIMARY KEY, customer VARCHAR(20) NOT NULL)");
            s.execute("INSERT INTO orders (customer, amount) VALUES ('ada', 30), ('bob', 500), ('ada', 700)");
            s.execute("CREATE TABLE IF NOT EXISTS nanostream_positions (name VARCHAR(200) PRIMARY KEY, position BIGINT NOT NULL)");
            s.execute("DELETE FROM nanostream_positions WHERE name = 'orders'");
        }

        JdbcSource<Order> orders = JdbcSource.builder("jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
                .query("SELECT id, customer, amount FROM orders WHERE id > ? ORDER BY id", "id")
                .mapper((ResultSet row) -> new Order(row.getLong("id"), row.getString("customer"), row.getLong("amount")))
                .named("orders")
                .stopAtEnd()
                .build();
        var big = io.nanostream.flow.Steps.filter((Order order) -> order.amount() >= 100);
        orders.subscribe(big);
        big.subscribe(JdbcSink.builder("jdbc:postgresql://127.0.0.1:5432/test?user=postgres")
                .sql("INSERT INTO big_orders (id, customer) VALUES (?, ?)")
                .binder((PreparedStatement statement, Order order) -> {
                    statement.setLong(1, order.id());
                    statement.setString(2, order.customer());
                })
                .positionsOf(orders)
                .build());
        try (Pipeline pipeline = Pipeline.from(orders)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(30));
        }

        try (Connection c = database.connect()) {
            assertEquals(List.of(2L, 3L), Database.ids(c, "SELECT id FROM big_orders ORDER BY id"));
            assertEquals(List.of(3L), Database.ids(c, "SELECT position FROM nanostream_positions WHERE name = 'orders'"));
        }
    }
}
