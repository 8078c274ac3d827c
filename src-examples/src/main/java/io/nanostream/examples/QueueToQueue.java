package io.nanostream.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.rabbitmq.RabbitMessage;
import io.nanostream.rabbitmq.RabbitSink;
import io.nanostream.rabbitmq.RabbitSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * RabbitMQ without Kafka: orders ({@code "id,amount"}) from the queue {@code orders} are parsed,
 * the large ones published to the queue {@code large-orders}; an order that does not parse is
 * skipped. Each message is acknowledged only once its order was published and confirmed, or
 * skipped: kill the process at any moment and nothing is lost, at most done twice.
 *
 * <pre>
 * mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.QueueToQueue \
 *     -Dexec.args="amqp://guest:guest@127.0.0.1:5672"
 * </pre>
 *
 * With no argument it uses {@code amqp://guest:guest@127.0.0.1:5672}, declares both queues,
 * publishes 1 000 sample orders, and stops once it has taken as many; Ctrl-C stops it gracefully
 * before.
 */
public final class QueueToQueue {

    static final String ORDERS = "orders";
    static final String LARGE_ORDERS = "large-orders";

    private QueueToQueue() {
    }

    /** An order, as the queue carries it. */
    record Order(String id, int amount) {
        static Order parse(String text) {
            String[] fields = text.split(",");
            if (fields.length != 2) {
                throw new IllegalArgumentException("an order is \"id,amount\", not \"" + text + "\"");
            }
            return new Order(fields[0], Integer.parseInt(fields[1].trim()));
        }
    }

    /** The pipeline: orders → parse (skipping what does not parse) → large ones → large-orders. */
    static Pipeline pipeline(ConnectionFactory rabbit, long maxMessages) {
        RabbitSource orders = RabbitSource.builder(rabbit).queues(ORDERS).named(ORDERS).maxMessages(maxMessages).build();
        AbstractStep<RabbitMessage, Order> parse = Steps.map((RabbitMessage message) -> Order.parse(message.bodyAsString()))
                .named("parse")
                .withErrorPolicy(ErrorPolicy.skip());
        AbstractStep<Order, Order> large = Steps.filter(order -> order.amount() >= 500);
        RabbitSink<Order> out = RabbitSink.builder(rabbit)
                .toQueue(LARGE_ORDERS, (Order order) -> (order.id() + "," + order.amount()).getBytes(StandardCharsets.UTF_8))
                .named(LARGE_ORDERS)
                .build();
        orders.subscribe(parse);
        parse.subscribe(large);
        large.subscribe(out);
        return Pipeline.from(orders).named("queue-to-queue");
    }

    /** Declares both queues, durable, and publishes {@code count} sample orders, every 100th malformed. */
    static void prepare(ConnectionFactory rabbit, int count) throws Exception {
        try (Connection connection = rabbit.newConnection("queue-to-queue-setup"); Channel channel = connection.createChannel()) {
            channel.queueDeclare(ORDERS, true, false, false, null);
            channel.queueDeclare(LARGE_ORDERS, true, false, false, null);
            channel.confirmSelect();
            for (int i = 0; i < count; i++) {
                String body = i % 100 == 99 ? "order-" + i : "order-" + i + "," + (i * 37 % 1_000);
                channel.basicPublish("", ORDERS, MessageProperties.PERSISTENT_TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(30_000);
        }
    }

    /**
     * Runs the example.
     *
     * @param args the broker's URI, optional
     * @throws Exception if it cannot connect
     */
    public static void main(String[] args) throws Exception {
        ConnectionFactory rabbit = new ConnectionFactory();
        rabbit.setUri(args.length > 0 ? args[0] : "amqp://guest:guest@127.0.0.1:5672");
        prepare(rabbit, 1_000);
        Pipeline pipeline = pipeline(rabbit, 1_000);
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(30), () -> System.out.println(summary(pipeline))));
    }

    /** What a run did, from the pipeline's metrics. */
    static String summary(Pipeline pipeline) {
        return "took " + pipeline.metrics().node(ORDERS).out() + " orders from '" + ORDERS + "', skipped "
                + pipeline.metrics().node("parse").skipped() + " that did not parse, published "
                + pipeline.metrics().node(LARGE_ORDERS).in() + " to '" + LARGE_ORDERS + "'";
    }
}
