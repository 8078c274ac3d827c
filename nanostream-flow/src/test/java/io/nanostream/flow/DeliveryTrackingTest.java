package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** An item is acknowledged only once every sink it reaches has consumed all that derives from it. */
class DeliveryTrackingTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static void run(InMemorySource<?> source) throws Exception {
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void mapAcknowledgesEachItemAfterTheSinkConsumedIt() throws Exception {
        var source = InMemorySource.from(range(500));
        var twice = TestSteps.<Integer, Integer>flatMapOf("twice", i -> List.of(i * 2));
        var sink = new CollectingSink<Integer>();
        source.subscribe(twice);
        twice.subscribe(sink);
        source.onAcknowledged(i -> assertTrue(sink.items().contains(i * 2), "acknowledged " + i + " before consumed"));

        run(source);

        assertEquals(range(500), source.awaitAllAcknowledged(TIMEOUT).stream().sorted().toList());
    }

    @Test
    void filteredItemsAreAcknowledgedAtOnceAndFlatMappedOnesAfterAllTheirOutputs() throws Exception {
        var source = InMemorySource.from(range(300));
        var spread = TestSteps.<Integer, String>flatMapOf("spread", i -> i % 3 == 0 ? List.<String>of() : List.of(i + "a", i + "b", i + "c"));
        var sink = new CollectingSink<String>();
        source.subscribe(spread);
        spread.subscribe(sink);
        source.onAcknowledged(i -> {
            if (i % 3 != 0) {
                assertTrue(sink.items().containsAll(List.of(i + "a", i + "b", i + "c")), "early ack of " + i);
            }
        });

        run(source);

        assertEquals(300, source.awaitAllAcknowledged(TIMEOUT).size());
        assertEquals(200 * 3, sink.items().size());
    }

    @Test
    void aggregatedInputsAreAcknowledgedOnlyWithTheirAggregate() throws Exception {
        var source = InMemorySource.from(range(103));
        AbstractStep<Integer, List<Integer>> batch = Steps.batch(10, Duration.ofHours(1));
        var sink = new CollectingSink<List<Integer>>();
        source.subscribe(batch);
        batch.subscribe(sink);
        source.onAcknowledged(i -> assertTrue(sink.items().stream().anyMatch(b -> b.contains(i)), "early ack of " + i));

        run(source);

        assertEquals(103, source.awaitAllAcknowledged(TIMEOUT).size());
        assertEquals(11, sink.items().size(), "ten full batches and the rest at end of input");
    }

    @Test
    void emittingFromAReleasedInputFailsInsteadOfAcknowledgingEarly() {
        var source = InMemorySource.from(range(3));
        var step = new AbstractStep<Integer, Integer>("releases-too-soon", 8) {
            @Override
            protected void process(Integer item) {
                Held input = holdInput();
                input.release();
                emit(item, List.of(input));
            }
        };
        source.subscribe(step);
        step.subscribe(new CollectingSink<>());

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertTrue(failure.getMessage().contains("an input was released or failed before an item was emitted from it;"
                + " emit from held inputs first, then release them"), failure.getMessage());
        assertEquals(List.of(), source.acknowledged());
    }

    @Test
    void holdingOutsideProcessIsRefused() {
        var step = new AbstractStep<Integer, Integer>("holds-at-start", 8) {
            @Override
            protected void onStart() {
                holdInput();
            }

            @Override
            protected void process(Integer item) {
            }
        };
        var source = InMemorySource.from(range(1));
        source.subscribe(step);
        step.subscribe(new CollectingSink<>());

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertTrue(failure.getMessage().contains("step 'holds-at-start': holdInput() works only while handling an item,"
                + " in process()"), failure.getMessage());
    }

    @Test
    void fanOutAcknowledgesOnlyWhenEveryBranchConsumed() throws Exception {
        var source = InMemorySource.from(range(200));
        var left = new CollectingSink<Integer>();
        var right = new CollectingSink<Integer>();
        source.subscribe(left);
        source.subscribe(right);
        source.onAcknowledged(i -> assertTrue(left.items().contains(i) && right.items().contains(i), "early ack of " + i));

        run(source);

        assertEquals(200, source.awaitAllAcknowledged(TIMEOUT).size());
    }

    @Test
    void aSubscriberOutsideNanostreamIsDoneWithAnItemWhenOnNextReturns() throws Exception {
        var source = InMemorySource.from(range(100));
        var received = java.util.Collections.synchronizedList(new ArrayList<Integer>());
        source.subscribe(new java.util.concurrent.Flow.Subscriber<Integer>() {
            @Override
            public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Integer item) {
                received.add(item);
            }

            @Override
            public void onError(Throwable error) {
            }

            @Override
            public void onComplete() {
            }
        });
        source.onAcknowledged(i -> assertTrue(received.contains(i), "acknowledged " + i + " before onNext returned"));

        run(source);

        assertEquals(range(100), source.awaitAllAcknowledged(TIMEOUT).stream().sorted().toList());
    }

    @Test
    void fanInAcknowledgesEachSourceItsOwnItems() throws Exception {
        var evens = InMemorySource.from(List.of(0, 2, 4, 6));
        var odds = InMemorySource.from(List.of(1, 3, 5));
        var merge = TestSteps.<Integer, Integer>flatMapOf("merge", List::of);
        var sink = new CollectingSink<Integer>();
        evens.subscribe(merge);
        odds.subscribe(merge);
        merge.subscribe(sink);

        try (var pipeline = Pipeline.from(evens, odds)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(List.of(0, 2, 4, 6), evens.awaitAllAcknowledged(TIMEOUT).stream().sorted().toList());
        assertEquals(List.of(1, 3, 5), odds.awaitAllAcknowledged(TIMEOUT).stream().sorted().toList());
    }

    /**
     * A sink that confirms its writes later, on another thread, like a database or a broker; at
     * end of input it waits for the confirmations, as such a sink flushes.
     */
    static final class LateSink extends AbstractSink<Integer> {
        final LinkedBlockingQueue<Held> unconfirmed = new LinkedBlockingQueue<>();
        final CountDownLatch allConfirmed = new CountDownLatch(1);

        LateSink() {
            super("late", 8);
        }

        @Override
        protected void consume(Integer item) {
            unconfirmed.add(holdInput());
        }

        @Override
        protected void onEndOfInput() throws InterruptedException {
            assertTrue(allConfirmed.await(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void aSinkThatConfirmsLaterDelaysTheAcknowledgement() throws Exception {
        var source = InMemorySource.from(range(5));
        var sink = new LateSink();
        source.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            List<Held> held = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                held.add(sink.unconfirmed.poll(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals(List.of(), source.acknowledged(), "nothing confirmed yet");
            held.get(3).release();
            held.get(0).release();
            held.get(4).fail(new IllegalStateException("write rejected"));
            held.get(1).release();
            held.get(2).release();
            sink.allConfirmed.countDown();
            pipeline.await(TIMEOUT);
        }

        assertEquals(List.of(3, 0, 1, 2), source.acknowledged(), "acknowledged as confirmed");
        assertEquals(List.of(4), source.deliveryFailures());
    }

    @Test
    void aFailureMidStreamAcknowledgesNothingThatDidNotReachTheSink() throws Exception {
        var source = InMemorySource.from(range(1000));
        var parse = TestSteps.<Integer, Integer>flatMapOf("fails-at-500", i -> {
            if (i == 500) {
                throw new IllegalStateException("poison");
            }
            return List.of(i);
        });
        var sink = new CollectingSink<Integer>();
        source.subscribe(parse);
        parse.subscribe(sink);
        source.onAcknowledged(i -> assertTrue(sink.items().contains(i), "acknowledged " + i + " before consumed"));

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }

        List<Integer> acknowledged = source.acknowledged();
        assertTrue(acknowledged.stream().allMatch(i -> i < 500), "nothing from the poison on: " + acknowledged);
        assertTrue(source.deliveryFailures().contains(500));
        assertTrue(sink.items().containsAll(acknowledged));
    }

    @Test
    void gracefulStopAcknowledgesEverythingConsumed() throws Exception {
        var started = new CountDownLatch(100);
        var source = InMemorySource.from(() -> IntStream.iterate(0, i -> i + 1).iterator());
        var step = TestSteps.<Integer, Integer>flatMapOf("count", i -> {
            started.countDown();
            return List.of(i);
        });
        var sink = new CollectingSink<Integer>();
        source.subscribe(step);
        step.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertTrue(started.await(TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }

        assertEquals(sink.items(), source.acknowledged().stream().sorted().toList(), "every consumed item acknowledged");
        assertTrue(source.deliveryFailures().size() <= 1, "at most the item refused by the stopping source");
    }
}
