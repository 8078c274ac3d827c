package io.nanostream.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.flow.Steps;
import io.nanostream.testkit.CollectingSink;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link NatsSource} against the NATS server on this machine. */
class NatsSourceTest extends NatsTestBase {

    @Test
    void everyMessageIsEmittedAndAcknowledgedOnceProcessedAndARestartGoesOnFromThere() throws Exception {
        String stream = jet.stream("in");
        List<String> bodies = Jet.bodies("m", 2_000);
        jet.publish(stream, bodies);

        List<String> first = run(source(stream).maxMessages(1_200).build());
        List<String> second = run(source(stream).maxMessages(800).build());

        assertEquals(bodies.subList(0, 1_200), first, "in the stream's order");
        assertEquals(bodies.subList(1_200, 2_000), second, "the rest, none again");
        assertEquals(0, jet.unacknowledged(stream, "etl"), "each acknowledged");
        assertEquals(0, jet.pending(stream, "etl"));
    }

    @Test
    void aMessageThePipelineFailsOnIsDeliveredAgainAndNothingUnprocessedIsAcknowledged() throws Exception {
        String stream = jet.stream("in");
        List<String> bodies = Jet.bodies("m", 200);
        jet.publish(stream, bodies);
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = textInto(source(stream).redeliveryDelay(Duration.ZERO).build(), failingOn("m-50"),
                sink)) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }

        List<String> again = run(source(stream).maxMessages(bodies.size() - sink.items().size()).build());
        assertTrue(again.contains("m-50"), "delivered again: " + again);
        Set<String> seen = new HashSet<>(sink.items());
        seen.addAll(again);
        assertEquals(new TreeSet<>(bodies), new TreeSet<>(seen), "what was not processed is delivered again");
    }

    @Test
    void withTerminateFailedTheMessageThePipelineFailedOnIsNeverDeliveredAgain() throws Exception {
        String stream = jet.stream("in");
        jet.publish(stream, Jet.bodies("m", 10));
        try (Pipeline pipeline = textInto(source(stream).terminateFailed(true).build(), failingOn("m-0"),
                new CollectingSink<>())) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }
        List<String> again = run(source(stream).maxMessages(9).build());
        assertEquals(9, again.size(), again.toString());
        assertEquals(new TreeSet<>(Jet.bodies("m", 10).subList(1, 10)), new TreeSet<>(again), "all but m-0, in"
                + " the order of their redelivery");
    }

    @Test
    void aGracefulStopAcknowledgesWhatWasProcessedAndTheNextRunTakesTheRest() throws Exception {
        String stream = jet.stream("in");
        List<String> bodies = Jet.bodies("m", 5_000);
        jet.publish(stream, bodies);
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = textInto(source(stream).build(), Steps.map(NatsMessage::bodyAsString), sink)) {
            pipeline.start();
            sink.awaitCount(1_000, TIMEOUT);
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
        List<String> rest = run(source(stream).maxMessages(bodies.size() - sink.items().size()).build());
        List<String> all = new ArrayList<>(sink.items());
        all.addAll(rest);
        assertEquals(bodies.size(), all.size(), "each once: " + sink.items().size() + " before the stop, "
                + rest.size() + " after");
        assertEquals(new TreeSet<>(bodies), new TreeSet<>(all));
    }

    @Test
    void aLostConnectionIsReestablishedAndEveryMessageIsProcessedAtLeastOnce() throws Exception {
        String stream = jet.stream("in");
        List<String> bodies = Jet.bodies("m", 5_000);
        jet.publish(stream, bodies);
        AtomicReference<Connection> connection = new AtomicReference<>();
        NatsSource source = source(stream).connector(options -> {
            connection.set(Nats.connect(options));
            return connection.get();
        }).build();
        AbstractStep<NatsMessage, NatsMessage> pace = Steps.throttle(50, Duration.ofMillis(100)); // 10 s in all
        var sink = new CollectingSink<String>();
        AbstractStep<NatsMessage, String> text = Steps.map(NatsMessage::bodyAsString);
        source.subscribe(pace);
        pace.subscribe(text);
        text.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            sink.awaitCount(500, TIMEOUT);
            connection.get().forceReconnect();
            int afterTheLoss = sink.items().size();
            for (List<String> items = sink.items(); new HashSet<>(items).size() < bodies.size(); items = sink.items()) {
                sink.awaitCount(items.size() + 1, TIMEOUT);
            }
            assertTrue(afterTheLoss < bodies.size() - 1_000, "a good part came after the loss: " + afterTheLoss);
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
        assertEquals(new TreeSet<>(bodies), new TreeSet<>(sink.items()));
    }

    /**
     * A source on {@code stream} for the consumer "etl", whose messages the server delivers again 2 s
     * after a delivery not acknowledged (the ack wait): a message the server sent as a run stopped
     * comes again that soon.
     */
    private static NatsSource.Builder source(String stream) {
        return NatsSource.builder(Jet.options()).stream(stream).durable("etl").ackWait(Duration.ofSeconds(2));
    }

    private static AbstractStep<NatsMessage, String> failingOn(String body) {
        return Steps.map((NatsMessage message) -> {
            if (message.bodyAsString().equals(body)) {
                throw new IllegalArgumentException("cannot handle " + body);
            }
            return message.bodyAsString();
        });
    }

    /** A pipeline from {@code source} through {@code step} into {@code sink}. */
    private static Pipeline textInto(NatsSource source, AbstractStep<NatsMessage, String> step, CollectingSink<String> sink) {
        source.subscribe(step);
        step.subscribe(sink);
        return Pipeline.from(source);
    }

    /** Runs {@code source}, bounded, into a collecting sink, and returns what it collected. */
    private static List<String> run(NatsSource source) throws Exception {
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = textInto(source, Steps.map(NatsMessage::bodyAsString), sink)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        return sink.items();
    }
}
