package io.nanostream.nats;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;

/**
 * The NATS server with JetStream the tests run against (127.0.0.1:4222): streams of their own,
 * messages in and out. When the server is not there, a test is skipped saying why; with
 * {@code CI=true} it fails instead.
 */
final class Jet implements AutoCloseable {

    static final String URL = System.getProperty("nanostream.nats.url", "nats://127.0.0.1:4222");

    private final Connection connection;
    private final JetStreamManagement management;
    private final JetStream jetStream;
    private final List<String> streams = new ArrayList<>();

    private Jet(Connection connection) throws Exception {
        this.connection = connection;
        this.management = connection.jetStreamManagement();
        this.jetStream = connection.jetStream();
    }

    /** Connects, or skips (fails with CI=true) when the server is not reachable. */
    static Jet connect() throws Exception {
        return connect(why -> Assumptions.abort(why + "; these tests run where it is, and CI=true makes them mandatory"));
    }

    /** Connects for a TCK verification, which runs on TestNG: skipped, or failed with CI=true. */
    static Jet connectForTck() throws Exception {
        return connect(why -> {
            throw new org.testng.SkipException(why + "; these verifications run where it is");
        });
    }

    private static Jet connect(java.util.function.Consumer<String> skip) throws Exception {
        try {
            return new Jet(Nats.connect(options()));
        } catch (java.io.IOException e) {
            String why = "NATS is not reachable at " + URL + " (" + e + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(why + "; CI=true requires it", e);
            }
            skip.accept(why);
            throw new IllegalStateException(why, e); // skip threw
        }
    }

    /** Options for the test server, reconnecting quickly and for ever. */
    static Options options() {
        return new Options.Builder().server(URL).connectionTimeout(Duration.ofSeconds(5))
                .reconnectWait(Duration.ofMillis(200)).maxReconnects(-1).build();
    }

    /** Creates a file-backed stream of a new name, on the subjects {@code <name>.>}, deleted at the close. */
    String stream(String prefix) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        management.addStream(StreamConfiguration.builder().name(name).subjects(name + ".>")
                .storageType(StorageType.File).build());
        streams.add(name);
        return name;
    }

    /** Publishes {@code bodies} to the subject {@code <stream>.in}, waiting for the server's acknowledgements. */
    void publish(String stream, List<String> bodies) throws Exception {
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        for (String body : bodies) {
            acks.add(jetStream.publishAsync(stream + ".in", body.getBytes(StandardCharsets.UTF_8)));
            if (acks.size() == 1_000) {
                CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).join();
                acks.clear();
            }
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).join();
    }

    /** The bodies {@code "prefix-0"} to {@code "prefix-(count-1)"}. */
    static List<String> bodies(String prefix, int count) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            bodies.add(prefix + "-" + i);
        }
        return bodies;
    }

    /** How many messages the stream holds. */
    long count(String stream) throws Exception {
        return management.getStreamInfo(stream).getStreamState().getMsgCount();
    }

    /** Every message the stream holds, in order, read by a consumer of its own. */
    List<String> read(String stream) throws Exception {
        JetStreamSubscription reader = jetStream.subscribe(null, PullSubscribeOptions.builder().stream(stream)
                .configuration(ConsumerConfiguration.builder().ackPolicy(AckPolicy.None).build()).build());
        List<String> bodies = new ArrayList<>();
        long total = count(stream);
        while (bodies.size() < total) {
            List<Message> messages = reader.fetch(1_000, Duration.ofSeconds(2));
            assertTrue(!messages.isEmpty(), "read " + bodies.size() + " of " + total + " messages of " + stream);
            messages.forEach(message -> bodies.add(new String(message.getData(), StandardCharsets.UTF_8)));
        }
        reader.unsubscribe();
        return bodies;
    }

    /** How many messages of the stream the durable consumer has not yet been delivered. */
    long pending(String stream, String durable) throws Exception {
        return management.getConsumerInfo(stream, durable).getNumPending();
    }

    /** How many messages of the stream the durable consumer was delivered and has not acknowledged. */
    long unacknowledged(String stream, String durable) throws Exception {
        return management.getConsumerInfo(stream, durable).getNumAckPending();
    }

    JetStreamManagement management() {
        return management;
    }

    @Override
    public void close() throws java.io.IOException, io.nats.client.JetStreamApiException {
        for (String stream : streams) {
            management.deleteStream(stream);
        }
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
