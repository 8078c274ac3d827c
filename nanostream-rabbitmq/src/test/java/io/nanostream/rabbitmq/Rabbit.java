package io.nanostream.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The RabbitMQ server the tests run against (127.0.0.1:5672, guest/guest): queues of their own,
 * messages in and out, and its connections closed as a network failure would. When the server is
 * not there, a test is skipped saying why; with {@code CI=true} it fails instead.
 */
final class Rabbit implements AutoCloseable {

    static final String HOST = System.getProperty("nanostream.rabbitmq.host", "127.0.0.1");

    private final Connection connection;
    private final Channel channel;
    private final List<String> queues = new ArrayList<>();

    private Rabbit(Connection connection) throws Exception {
        this.connection = connection;
        this.channel = connection.createChannel();
        channel.confirmSelect();
    }

    /** Connects, or skips (fails with CI=true) when the server is not reachable. */
    static Rabbit connect() throws Exception {
        return connect(why -> Assumptions.abort(why + "; these tests run where it is, and CI=true makes them mandatory"));
    }

    /**
     * Connects for a TCK verification, which runs on TestNG: when the server is not reachable the
     * verification is skipped saying why, and with {@code CI=true} it fails instead.
     */
    static Rabbit connectForTck() throws Exception {
        return connect(why -> {
            throw new org.testng.SkipException(why + "; these verifications run where it is");
        });
    }

    private static Rabbit connect(java.util.function.Consumer<String> skip) throws Exception {
        try {
            return new Rabbit(factory().newConnection("nanostream-test"));
        } catch (java.io.IOException e) {
            String why = "RabbitMQ is not reachable at " + HOST + ":5672 (" + e + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(why + "; CI=true requires it", e);
            }
            skip.accept(why);
            throw new IllegalStateException(why, e); // skip threw
        }
    }

    /** A connection factory for the test server, with short timeouts and quick reconnection. */
    static ConnectionFactory factory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(HOST);
        factory.setPort(5672);
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setConnectionTimeout(5_000);
        factory.setNetworkRecoveryInterval(500);
        return factory;
    }

    /** Declares a durable queue of a new name, deleted at the close, with these arguments. */
    String queue(String prefix, Map<String, Object> arguments) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        channel.queueDeclare(name, true, false, false, arguments);
        queues.add(name);
        return name;
    }

    String queue(String prefix) throws Exception {
        return queue(prefix, Map.of());
    }

    /** A queue whose rejected messages go to {@code deadLetters} through the default exchange. */
    String queueDeadLetteringTo(String prefix, String deadLetters) throws Exception {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-dead-letter-exchange", "");
        arguments.put("x-dead-letter-routing-key", deadLetters);
        return queue(prefix, arguments);
    }

    /** Publishes {@code bodies} to {@code queue}, persistent, and waits for the broker's confirms. */
    void publish(String queue, List<String> bodies) throws Exception {
        for (String body : bodies) {
            channel.basicPublish("", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, body.getBytes(StandardCharsets.UTF_8));
        }
        channel.waitForConfirmsOrDie(30_000);
    }

    /** The bodies {@code "prefix-0"} to {@code "prefix-(count-1)"}. */
    static List<String> bodies(String prefix, int count) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            bodies.add(prefix + "-" + i);
        }
        return bodies;
    }

    /** Takes every message ready in {@code queue}, acknowledging it, and returns the bodies. */
    List<String> drain(String queue) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (GetResponse response = channel.basicGet(queue, true); response != null; response = channel.basicGet(queue,
                true)) {
            bodies.add(new String(response.getBody(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** How many messages are ready in {@code queue} (not those delivered and unacknowledged). */
    long ready(String queue) throws Exception {
        return channel.messageCount(queue);
    }

    /** Waits until {@code queue} has {@code count} messages ready. */
    void awaitReady(String queue, long count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long ready = ready(queue);
        while (ready != count && System.nanoTime() < deadline) {
            channel.basicQos(0); // a round trip to the broker: a wait that asks
            ready = ready(queue);
        }
        assertEquals(count, ready, "messages ready in " + queue);
    }

    /** Waits until {@code queue} has at least {@code count} messages ready. */
    void awaitReadyAtLeast(String queue, long count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long ready = ready(queue);
        while (ready < count && System.nanoTime() < deadline) {
            channel.basicQos(0); // a round trip to the broker: a wait that asks
            ready = ready(queue);
        }
        assertTrue(ready >= count, ready + " messages ready in " + queue + ", fewer than " + count);
    }

    /**
     * Closes every client connection but this one's, as a network failure or a broker restart
     * would, with {@code rabbitmqctl} (the server runs on this machine).
     */
    void closeOtherConnections() throws Exception {
        Process list = new ProcessBuilder("rabbitmqctl", "-q", "list_connections", "pid", "client_properties")
                .redirectErrorStream(true).start();
        String listed = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, list.waitFor(), listed);
        int closed = 0;
        for (String line : listed.split("\n")) {
            if (line.contains("nanostream-test") || !line.startsWith("<")) {
                continue; // this one's own, or no connection
            }
            String pid = line.substring(0, line.indexOf('>') + 1);
            Process close = new ProcessBuilder("rabbitmqctl", "-q", "close_connection", pid, "closed by the test")
                    .inheritIO().start();
            if (!close.waitFor(60, TimeUnit.SECONDS) || close.exitValue() != 0) {
                fail("rabbitmqctl close_connection " + pid + " failed");
            }
            closed++;
        }
        if (closed == 0) {
            fail("no connection to close: " + listed);
        }
    }

    Channel channel() {
        return channel;
    }

    @Override
    public void close() throws java.io.IOException {
        for (String queue : queues) {
            channel.queueDelete(queue);
        }
        connection.close();
    }

    /** Basic properties with a header, for tests that check what is passed on. */
    static AMQP.BasicProperties withHeader(String name, Object value) {
        return new AMQP.BasicProperties.Builder().headers(Map.of(name, value)).deliveryMode(2).build();
    }
}
