package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.nanostream.flow.Pipeline;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Runs {@link StreamToStream} against the NATS server on this machine. */
class StreamToStreamTest {

    @Test
    void theLargeOrdersArePublishedOnceEachTheMalformedSkippedAndEveryOrderAcknowledged() throws Exception {
        Options nats = new Options.Builder().server("nats://127.0.0.1:4222").build();
        Connection connection = connect(nats);
        try {
            JetStreamManagement management = connection.jetStreamManagement();
            delete(management, StreamToStream.ORDERS);
            delete(management, StreamToStream.LARGE_ORDERS);
            StreamToStream.prepare(nats, 1_000);

            Pipeline pipeline = StreamToStream.pipeline(nats, 1_000);
            pipeline.start();
            pipeline.await(Duration.ofSeconds(60));
            pipeline.close();

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                if (i % 100 != 99 && i * 37 % 1_000 >= 500) {
                    expected.add("order-" + i + "," + (i * 37 % 1_000));
                }
            }
            assertEquals(expected, read(connection, StreamToStream.LARGE_ORDERS, expected.size()));
            assertEquals(0, management.getConsumerInfo(StreamToStream.ORDERS, "large-orders").getNumAckPending(),
                    "every order acknowledged");
            assertEquals("took 1000 orders from 'ORDERS', skipped 10 that did not parse, published " + expected.size()
                    + " to 'LARGE_ORDERS'", StreamToStream.summary(pipeline));
            delete(management, StreamToStream.ORDERS);
            delete(management, StreamToStream.LARGE_ORDERS);
        } finally {
            connection.close();
        }
    }

    private static Connection connect(Options nats) throws Exception {
        try {
            return Nats.connect(nats);
        } catch (java.io.IOException e) {
            String why = "NATS is not reachable at 127.0.0.1:4222 (" + e + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                return fail(why + "; CI=true requires it");
            }
            Assumptions.abort(why + "; this example runs where it is, and CI=true makes it mandatory");
            return null;
        }
    }

    private static void delete(JetStreamManagement management, String stream) throws Exception {
        try {
            management.deleteStream(stream);
        } catch (JetStreamApiException notThere) {
            // nothing to delete
        }
    }

    private static List<String> read(Connection connection, String stream, int count) throws Exception {
        JetStreamSubscription reader = connection.jetStream().subscribe(null, PullSubscribeOptions.builder().stream(stream)
                .configuration(ConsumerConfiguration.builder().ackPolicy(AckPolicy.None).build()).build());
        List<String> bodies = new ArrayList<>();
        for (List<Message> messages = reader.fetch(count, Duration.ofSeconds(2)); !messages.isEmpty();
                messages = reader.fetch(count, Duration.ofSeconds(1))) {
            messages.forEach(message -> bodies.add(new String(message.getData(), StandardCharsets.UTF_8)));
        }
        return bodies;
    }
}
