package io.nanostream.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.flow.Steps;
import io.nanostream.testkit.CollectingSink;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@link RabbitSource} against the RabbitMQ server on this machine. */
class RabbitSourceTest extends RabbitTestBase {

    @Test
    void everyMessageIsEmittedAndAcknowledgedOnceProcessedLeavingTheQueueEmpty() throws Exception {
        String queue = rabbit.queue("in");
        List<String> bodies = Rabbit.bodies("m", 2_000);
        rabbit.publish(queue, bodies);
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = textInto(RabbitSource.builder(Rabbit.factory()).queues(queue).maxMessages(bodies.size())
                .build(), sink)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(bodies, sink.items(), "in the queue's order");
        assertEquals(List.of(), rabbit.drain(queue), "each acknowledged: none ready again");
    }

    @Test
    void theBrokerDeliversNoMoreThanThePrefetchWhileThePipelineHoldsMessages() throws Exception {
        String queue = rabbit.queue("in");
        rabbit.publish(queue, Rabbit.bodies("m", 500));
        RabbitSource source = RabbitSource.builder(Rabbit.factory()).queues(queue).prefetch(20).build();
        var release = new CountDownLatch(1);
        var blocked = new BlockingSink(release);
        source.subscribe(blocked);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            rabbit.awaitReady(queue, 480, TIMEOUT); // 20 delivered, unacknowledged: the sink holds the first
            release.countDown();
            assertTrue(blocked.all.await(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "took the rest");
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
        assertEquals(List.of(), rabbit.drain(queue));
        assertEquals(500, blocked.seen.size());
    }

    @Test
    void aMessageThePipelineFailsOnGoesBackToTheQueueAndNothingUnprocessedIsAcknowledged() throws Exception {
        String queue = rabbit.queue("in");
        List<String> bodies = Rabbit.bodies("m", 100);
        rabbit.publish(queue, bodies);
        RabbitSource source = RabbitSource.builder(Rabbit.factory()).queues(queue).build();
        AbstractStep<RabbitMessage, String> text = Steps.map((RabbitMessage message) -> {
            if (message.bodyAsString().equals("m-50")) {
                throw new IllegalArgumentException("cannot handle m-50");
            }
            return message.bodyAsString();
        });
        var sink = new CollectingSink<String>();
        source.subscribe(text);
        text.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }

        List<String> left = rabbit.drain(queue);
        assertTrue(left.contains("m-50"), "requeued: " + left);
        Set<String> seen = new HashSet<>(sink.items());
        seen.addAll(left);
        assertEquals(new TreeSet<>(bodies), new TreeSet<>(seen), "what was not processed is in the queue");
    }

    @Test
    void withoutRequeueAFailedMessageGoesToTheQueuesDeadLetterExchange() throws Exception {
        String deadLetters = rabbit.queue("dlq");
        String queue = rabbit.queueDeadLetteringTo("in", deadLetters);
        rabbit.publish(queue, Rabbit.bodies("m", 10));
        RabbitSource source = RabbitSource.builder(Rabbit.factory()).queues(queue).requeueFailed(false).build();
        AbstractStep<RabbitMessage, String> text = Steps.map((RabbitMessage message) -> {
            if (message.bodyAsString().equals("m-0")) {
                throw new IllegalArgumentException("cannot handle m-0");
            }
            return message.bodyAsString();
        });
        source.subscribe(text);
        text.subscribe(new CollectingSink<>());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }
        rabbit.awaitReady(deadLetters, 1, TIMEOUT);
        assertEquals(List.of("m-0"), rabbit.drain(deadLetters));
        assertTrue(!rabbit.drain(queue).contains("m-0"), "not requeued");
    }

    @Test
    void aGracefulStopAcknowledgesWhatWasProcessedAndLeavesTheRestInTheQueue() throws Exception {
        String queue = rabbit.queue("in");
        List<String> bodies = Rabbit.bodies("m", 5_000);
        rabbit.publish(queue, bodies);
        var sink = new CollectingSink<String>();
        try (Pipeline pipeline = textInto(RabbitSource.builder(Rabbit.factory()).queues(queue).build(), sink)) {
            pipeline.start();
            sink.awaitCount(1_000, TIMEOUT);
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }

        List<String> left = rabbit.drain(queue);
        assertEquals(bodies.size(), sink.items().size() + left.size(), "each once, processed or left: "
                + sink.items().size() + " processed, " + left.size() + " left");
        assertEquals(new TreeSet<>(bodies), new TreeSet<>(concat(sink.items(), left)));
    }

    @Test
    void aLostConnectionIsRecoveredAndEveryMessageIsProcessedAtLeastOnce() throws Exception {
        String queue = rabbit.queue("in");
        List<String> bodies = Rabbit.bodies("m", 5_000);
        rabbit.publish(queue, bodies);
        RabbitSource source = RabbitSource.builder(Rabbit.factory()).queues(queue).prefetch(100).build();
        var pause = new PauseAt<RabbitMessage>(500);
        AbstractStep<RabbitMessage, String> text = Steps.map(RabbitMessage::bodyAsString);
        var sink = new CollectingSink<String>();
        source.subscribe(pause);
        pause.subscribe(text);
        text.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pause.awaitReached(TIMEOUT); // at most 100 more delivered: the rest wait in the queue
            rabbit.closeOtherConnections();
            int beforeTheLoss = sink.items().size();
            pause.resume();
            awaitEach(sink, bodies);
            assertTrue(beforeTheLoss < 500, "the rest came after the loss: " + beforeTheLoss + " before it");
            assertTrue(pipeline.health().ready(), "reconnected: " + pipeline.health());
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
        assertEquals(new TreeSet<>(bodies), new TreeSet<>(sink.items()));
        assertEquals(List.of(), rabbit.drain(queue));
    }

    /** Waits until {@code sink} has each of {@code bodies}, once or more; fails naming those missing. */
    static void awaitEach(CollectingSink<String> sink, List<String> bodies) {
        try {
            for (List<String> items = sink.items(); new HashSet<>(items).size() < bodies.size(); items = sink.items()) {
                sink.awaitCount(items.size() + 1, TIMEOUT); // one more than those just counted
            }
        } catch (AssertionError timedOut) {
            Set<String> missing = new TreeSet<>(bodies);
            missing.removeAll(sink.items());
            throw new AssertionError(missing.size() + " missing: " + missing, timedOut);
        }
    }

    /** A pipeline from {@code source}, through its messages' text, into {@code sink}. */
    private static Pipeline textInto(RabbitSource source, CollectingSink<String> sink) {
        AbstractStep<RabbitMessage, String> text = Steps.map(RabbitMessage::bodyAsString);
        source.subscribe(text);
        text.subscribe(sink);
        return Pipeline.from(source);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Holds its first item until released, then takes the rest. */
    private static final class BlockingSink extends AbstractSink<RabbitMessage> {
        private final CountDownLatch release;
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        final CountDownLatch all = new CountDownLatch(500);

        BlockingSink(CountDownLatch release) {
            this.release = release;
        }

        @Override
        protected void consume(RabbitMessage item) throws InterruptedException {
            release.await();
            seen.add(item.bodyAsString());
            all.countDown();
        }
    }
}
