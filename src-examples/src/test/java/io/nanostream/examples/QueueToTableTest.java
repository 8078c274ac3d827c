package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.nanostream.flow.Pipeline;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Runs {@link QueueToTable} against the RabbitMQ and PostgreSQL servers on this machine. */
class QueueToTableTest {

    private static final String JDBC_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @Test
    void everyPaymentThatParsesIsInTheTableOnceTheSumsAreExactAndTheQueueIsLeftEmpty() throws Exception {
        ConnectionFactory rabbit = new ConnectionFactory();
        rabbit.setUri("amqp://guest:guest@127.0.0.1:5672");
        try (Connection connection = required("RabbitMQ at 127.0.0.1:5672", () -> rabbit.newConnection("queue-to-table-test"));
                Channel channel = connection.createChannel();
                var database = required("PostgreSQL at 127.0.0.1:5432", () -> DriverManager.getConnection(JDBC_URL));
                Statement s = database.createStatement()) {
            channel.queueDelete(QueueToTable.PAYMENTS);
            s.execute("DROP TABLE IF EXISTS payments");
            QueueToTable.prepare(rabbit, JDBC_URL, 1_000);

            Pipeline pipeline = QueueToTable.pipeline(rabbit, JDBC_URL, 1_000);
            pipeline.start();
            pipeline.await(Duration.ofSeconds(60));
            pipeline.close();

            Map<String, Long> expected = new TreeMap<>();
            for (int i = 0; i < 1_000; i++) {
                if (i % 100 != 99) {
                    expected.merge(QueueToTable.customer(i), QueueToTable.amount(i), Long::sum);
                }
            }
            assertEquals(expected, QueueToTable.sums(JDBC_URL));
            assertEquals(0, channel.messageCount(QueueToTable.PAYMENTS), "every payment acknowledged");
            assertEquals("took 1000 payments from 'payments', skipped 10 that did not parse, wrote 990 to the table",
                    QueueToTable.summary(pipeline));

            QueueToTable.prepare(rabbit, JDBC_URL, 1_000); // the same payments again, as a redelivery brings them
            try (Pipeline again = QueueToTable.pipeline(rabbit, JDBC_URL, 1_000)) {
                again.start();
                again.await(Duration.ofSeconds(60));
            }
            assertEquals(expected, QueueToTable.sums(JDBC_URL), "a payment delivered again is written once");
            channel.queueDelete(QueueToTable.PAYMENTS);
            s.execute("DROP TABLE payments");
        }
    }

    /** Something that connects. */
    @FunctionalInterface
    private interface Connect<C> {
        C open() throws Exception;
    }

    private static <C> C required(String what, Connect<C> connect) throws Exception {
        try {
            return connect.open();
        } catch (java.io.IOException | SQLException e) {
            String why = what + " is not reachable (" + e + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                return fail(why + "; CI=true requires it");
            }
            Assumptions.abort(why + "; this example runs where it is, and CI=true makes it mandatory");
            return null;
        }
    }
}
