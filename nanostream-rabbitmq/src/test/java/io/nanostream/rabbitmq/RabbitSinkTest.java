package io.nanostream.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.testkit.InMemorySource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link RabbitSink} against the RabbitMQ server on this machine. */
class RabbitSinkTest extends RabbitTestBase {

    @Test
    void publishesEachItemInOrderAndAcknowledgesItsInputOnceConfirmed() throws Exception {
        String queue = rabbit.queue("out");
        List<String> bodies = Rabbit.bodies("m", 3_000);
        InMemorySource<String> source = InMemorySource.from(bodies);
        source.subscribe(RabbitSink.builder(Rabbit.factory())
                .toQueue(queue, (String body) -> body.getBytes(StandardCharsets.UTF_8))
                .maxInFlight(100)
                .build());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        assertEquals(bodies, source.awaitAllAcknowledged(TIMEOUT));
        assertEquals(bodies, rabbit.drain(queue));
    }

    @Test
    void toAnExchangeWithARoutingKeyPerItem() throws Exception {
        String evens = rabbit.queue("evens");
        String odds = rabbit.queue("odds");
        String exchange = "numbers-" + evens;
        rabbit.channel().exchangeDeclare(exchange, "direct", false, true, null);
        rabbit.channel().queueBind(evens, exchange, "even");
        rabbit.channel().queueBind(odds, exchange, "odd");
        InMemorySource<Integer> source = InMemorySource.of(1, 2, 3, 4, 5);
        source.subscribe(RabbitSink.builder(Rabbit.factory())
                .toExchange(exchange, (Integer i) -> i % 2 == 0 ? "even" : "odd", i -> String.valueOf(i).getBytes(
                        StandardCharsets.UTF_8))
                .build());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        assertEquals(List.of("2", "4"), rabbit.drain(evens));
        assertEquals(List.of("1", "3", "5"), rabbit.drain(odds));
    }

    @Test
    void aQueueThatDoesNotExistFailsTheStartNamingIt() {
        InMemorySource<String> source = InMemorySource.of("a");
        source.subscribe(RabbitSink.builder(Rabbit.factory())
                .toQueue("no-such-queue-here", (String body) -> body.getBytes(StandardCharsets.UTF_8))
                .build());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertTrue(failure.getMessage().contains("cannot publish to queue 'no-such-queue-here'")
                    && failure.getMessage().contains("declare it first"), failure.getMessage());
        }
        assertEquals(List.of(), source.acknowledged(), "nothing acknowledged");
    }

    @Test
    void aLostConnectionIsRecoveredAndWhatWasNotConfirmedIsPublishedAgain() throws Exception {
        String queue = rabbit.queue("out");
        List<String> bodies = Rabbit.bodies("m", 3_000);
        InMemorySource<String> source = InMemorySource.from(bodies);
        var pause = new PauseAt<String>(1_000);
        source.subscribe(pause);
        pause.subscribe(RabbitSink.builder(Rabbit.factory())
                .toQueue(queue, (String body) -> body.getBytes(StandardCharsets.UTF_8))
                .build());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pause.awaitReached(TIMEOUT);
            rabbit.awaitReadyAtLeast(queue, 500, TIMEOUT);
            rabbit.closeOtherConnections();
            pause.resume(); // 2 001 still to publish, on a connection recovered
            pipeline.await(TIMEOUT);
        }
        List<String> published = rabbit.drain(queue);
        assertEquals(new TreeSet<>(bodies), new TreeSet<>(published), "every item, once or more");
        assertEquals(bodies, source.awaitAllAcknowledged(TIMEOUT));
    }
}
