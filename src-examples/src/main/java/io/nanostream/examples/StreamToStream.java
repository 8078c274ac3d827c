package io.nanostream.examples;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.ErrorPolicy;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.nats.NatsMessage;
import io.nanostream.nats.NatsSink;
import io.nanostream.nats.NatsSource;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * NATS JetStream without Kafka: orders ({@code "id,amount"}) on the subject {@code orders.new} of
 * the stream {@code ORDERS} are parsed, and the large ones published to {@code large-orders.new}
 * of the stream {@code LARGE_ORDERS}, each with its order id as message id; an order that does not
 * parse is skipped. Each message is acknowledged only once its order was stored, or skipped: kill
 * the process at any moment and nothing is lost, and the message ids keep the output free of
 * duplicates.
 *
 * <pre>
 * mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.StreamToStream \
 *     -Dexec.args="nats://127.0.0.1:4222"
 * </pre>
 *
 * With no argument it uses {@code nats://127.0.0.1:4222}, creates both streams, publishes 1 000
 * sample orders, and stops once it has taken as many; Ctrl-C stops it gracefully before.
 */
public final class StreamToStream {

    static final String ORDERS = "ORDERS";
    static final String LARGE_ORDERS = "LARGE_ORDERS";

    private StreamToStream() {
    }

    /** The pipeline: ORDERS → parse (skipping what does not parse) → large ones → LARGE_ORDERS. */
    static Pipeline pipeline(Options nats, long maxMessages) {
        NatsSource orders = NatsSource.builder(nats).stream(ORDERS).durable("large-orders").named("orders")
                .maxMessages(maxMessages).build();
        AbstractStep<NatsMessage, QueueToQueue.Order> parse = Steps.map((NatsMessage message) -> QueueToQueue.Order.parse(
                message.bodyAsString())).named("parse").withErrorPolicy(ErrorPolicy.skip());
        AbstractStep<QueueToQueue.Order, QueueToQueue.Order> large = Steps.filter(order -> order.amount() >= 500);
        NatsSink<QueueToQueue.Order> out = NatsSink.builder(nats)
                .toSubject("large-orders.new", (QueueToQueue.Order order) -> (order.id() + "," + order.amount())
                        .getBytes(StandardCharsets.UTF_8))
                .messageId(QueueToQueue.Order::id)
                .named("large-orders")
                .build();
        orders.subscribe(parse);
        parse.subscribe(large);
        large.subscribe(out);
        return Pipeline.from(orders).named("stream-to-stream");
    }

    /** Creates both streams, file-backed, and publishes {@code count} sample orders, every 100th malformed. */
    static void prepare(Options nats, int count) throws Exception {
        Connection connection = Nats.connect(nats);
        try {
            JetStreamManagement management = connection.jetStreamManagement();
            create(management, ORDERS, "orders.>");
            create(management, LARGE_ORDERS, "large-orders.>");
            JetStream jetStream = connection.jetStream();
            for (int i = 0; i < count; i++) {
                String body = i % 100 == 99 ? "order-" + i : "order-" + i + "," + (i * 37 % 1_000);
                jetStream.publish("orders.new", body.getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            connection.close();
        }
    }

    private static void create(JetStreamManagement management, String stream, String subjects) throws Exception {
        try {
            management.getStreamInfo(stream);
        } catch (JetStreamApiException notThere) {
            management.addStream(StreamConfiguration.builder().name(stream).subjects(subjects)
                    .storageType(StorageType.File).build());
        }
    }

    /**
     * Runs the example.
     *
     * @param args the server's URL, optional
     * @throws Exception if it cannot connect
     */
    public static void main(String[] args) throws Exception {
        Options nats = new Options.Builder().server(args.length > 0 ? args[0] : "nats://127.0.0.1:4222").build();
        prepare(nats, 1_000);
        Pipeline pipeline = pipeline(nats, 1_000);
        System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(30), () -> System.out.println(summary(pipeline))));
    }

    /** What a run did, from the pipeline's metrics. */
    static String summary(Pipeline pipeline) {
        return "took " + pipeline.metrics().node("orders").out() + " orders from '" + ORDERS + "', skipped "
                + pipeline.metrics().node("parse").skipped() + " that did not parse, published "
                + pipeline.metrics().node("large-orders").in() + " to '" + LARGE_ORDERS + "'";
    }
}
