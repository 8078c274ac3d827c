package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.nanostream.flow.Pipeline;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Runs {@link QueueToQueue} against the RabbitMQ server on this machine. */
class QueueToQueueTest {

    @Test
    void theLargeOrdersArePublishedTheMalformedSkippedAndTheInputQueueIsLeftEmpty() throws Exception {
        ConnectionFactory rabbit = new ConnectionFactory();
        rabbit.setUri("amqp://guest:guest@127.0.0.1:5672");
        try (Connection connection = connect(rabbit); Channel channel = connection.createChannel()) {
            channel.queueDelete(QueueToQueue.ORDERS);
            channel.queueDelete(QueueToQueue.LARGE_ORDERS);
            QueueToQueue.prepare(rabbit, 1_000);

            Pipeline pipeline = QueueToQueue.pipeline(rabbit, 1_000);
            pipeline.start();
            pipeline.await(Duration.ofSeconds(60));
            pipeline.close();

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                if (i % 100 != 99 && i * 37 % 1_000 >= 500) {
                    expected.add("order-" + i + "," + (i * 37 % 1_000));
                }
            }
            assertEquals(expected, drain(channel, QueueToQueue.LARGE_ORDERS));
            assertEquals(List.of(), drain(channel, QueueToQueue.ORDERS), "every order acknowledged");
            assertEquals("took 1000 orders from 'orders', skipped 10 that did not parse, published " + expected.size()
                    + " to 'large-orders'", QueueToQueue.summary(pipeline));
            channel.queueDelete(QueueToQueue.ORDERS);
            channel.queueDelete(QueueToQueue.LARGE_ORDERS);
        }
    }

    private static Connection connect(ConnectionFactory rabbit) throws Exception {
        try {
            return rabbit.newConnection("queue-to-queue-test");
        } catch (java.io.IOException e) {
            String why = "RabbitMQ is not reachable at 127.0.0.1:5672 (" + e + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                return fail(why + "; CI=true requires it");
            }
            Assumptions.abort(why + "; this example runs where it is, and CI=true makes it mandatory");
            return null;
        }
    }

    private static List<String> drain(Channel channel, String queue) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (GetResponse response = channel.basicGet(queue, true); response != null; response = channel.basicGet(queue,
                true)) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }
}
