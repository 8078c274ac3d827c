package io.nanostream.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.jdbc.JdbcSink;
import io.nanostream.rabbitmq.RabbitMessage;
import io.nanostream.rabbitmq.RabbitSource;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * RabbitMQ to PostgreSQL: payments ({@code "id,customer,amount"}) from the queue {@code payments}
 * are parsed and written to the table {@code payments}, in batches; a payment that does not parse
 * is skipped. Each message is acknowledged to RabbitMQ only once the transaction that wrote its
 * row committed, so a crash at any moment loses nothing; a message written but not yet
 * acknowledged comes again after a crash, and the insert keyed by the payment's id
 * ({@code ON CONFLICT (id) DO NOTHING}) makes that second write a no-op: the sums per customer are
 * exact after any crash.
 *
 * <pre>
 * mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.QueueToTable \
 *     -Dexec.args="amqp://guest:guest@127.0.0.1:5672 jdbc:postgresql://127.0.0.1:5432/test?user=postgres"
 * </pre>
 *
 * With no arguments it uses those two, declares the queue and creates the table, publishes 1 000
 * sample payments, stops once it has taken as many, and prints the sums per customer the table
 * holds; Ctrl-C stops it gracefully before.
 */
public final class QueueToTable {

    static final String PAYMENTS = "payments";

    private QueueToTable() {
    }

    /** A payment, as the queue carries it. */
    record Payment(String id, String customer, long amount) {
        static Payment parse(String text) {
            String[] fields = text.split(",");
            if (fields.length != 3) {
                throw new IllegalArgumentException("a payment is \"id,customer,amount\", not \"" + text + "\"");
            }
            return new Payment(fields[0], fields[1], Long.parseLong(fields[2].trim()));
        }
    }

    /** The pipeline: payments → parse (skipping what does not parse) → the payments table. */
    static Pipeline pipeline(ConnectionFactory rabbit, String jdbcUrl, long maxMessages) {
        RabbitSource payments = RabbitSource.builder(rabbit).queues(PAYMENTS).named(PAYMENTS).maxMessages(maxMessages)
                .build();
        AbstractStep<RabbitMessage, Payment> parse = Steps.map((RabbitMessage message) -> Payment.parse(message.bodyAsString()))
                .named("parse")
                .withErrorPolicy(ErrorPolicy.skip());
        JdbcSink<Payment> table = JdbcSink.builder(jdbcUrl)
                .sql("INSERT INTO payments (id, customer, amount) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
                .binder((PreparedStatement statement, Payment payment) -> {
                    statement.setString(1, payment.id());
                    statement.setString(2, payment.customer());
                    statement.setLong(3, payment.amount());
                })
                .named("table")
                .batchSize(200)
                .maxWait(Duration.ofMillis(50))
                .build();
        payments.subscribe(parse);
        parse.subscribe(table);
        return Pipeline.from(payments).named("queue-to-table");
    }

    /**
     * Declares the queue, durable, creates the table if missing, and publishes {@code count}
     * sample payments ({@code payment-i}), every 100th malformed.
     */
    static void prepare(ConnectionFactory rabbit, String jdbcUrl, int count) throws Exception {
        try (var database = DriverManager.getConnection(jdbcUrl); Statement s = database.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS payments (id VARCHAR(40) PRIMARY KEY, customer VARCHAR(40) NOT NULL,"
                    + " amount BIGINT NOT NULL)");
        }
        try (Connection connection = rabbit.newConnection("queue-to-table-setup"); Channel channel = connection.createChannel()) {
            channel.queueDeclare(PAYMENTS, true, false, false, null);
            channel.confirmSelect();
            for (int i = 0; i < count; i++) {
                String body = i % 100 == 99 ? "payment-" + i : "payment-" + i + "," + customer(i) + "," + amount(i);
                channel.basicPublish("", PAYMENTS, MessageProperties.PERSISTENT_TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(30_000);
        }
    }

    /** The customer of the i-th sample payment. */
    static String customer(int i) {
        return "customer-" + i % 7;
    }

    /** The amount of the i-th sample payment. */
    static long amount(int i) {
        return i * 37L % 1_000;
    }

    /** The sums per customer the table holds. */
    static Map<String, Long> sums(String jdbcUrl) throws Exception {
        Map<String, Long> sums = new TreeMap<>();
        try (var database = DriverManager.getConnection(jdbcUrl); Statement s = database.createStatement();
                ResultSet rows = s.executeQuery("SELECT customer, SUM(amount) FROM payments GROUP BY customer")) {
            while (rows.next()) {
                sums.put(rows.getString(1), rows.getLong(2));
            }
        }
        return sums;
    }

    /**
     * Runs the example.
     *
     * @param args the broker's URI and the database's JDBC URL, optional
     * @throws Exception if it cannot connect
     */
    public static void main(String[] args) throws Exception {
        ConnectionFactory rabbit = new ConnectionFactory();
        rabbit.setUri(args.length > 0 ? args[0] : "amqp://guest:guest@127.0.0.1:5672");
        String jdbcUrl = args.length > 1 ? args[1] : "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
        prepare(rabbit, jdbcUrl, 1_000);
        Pipeline pipeline = pipeline(rabbit, jdbcUrl, 1_000);
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(30), () -> {
            System.out.println(summary(pipeline));
            try {
                System.out.println("sums per customer in the table: " + sums(jdbcUrl));
            } catch (Exception e) {
                System.out.println("could not read the table back: " + e);
            }
        }));
    }

    /** What a run did, from the pipeline's metrics. */
    static String summary(Pipeline pipeline) {
        return "took " + pipeline.metrics().node(PAYMENTS).out() + " payments from '" + PAYMENTS + "', skipped "
                + pipeline.metrics().node("parse").skipped() + " that did not parse, wrote "
                + pipeline.metrics().node("table").in() + " to the table";
    }
}
