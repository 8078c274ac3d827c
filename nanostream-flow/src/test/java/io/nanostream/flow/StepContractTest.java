package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every built-in step keeps: it makes the right outputs, passes an upstream error
 * on, fails naming the item when user code throws, stops its upstream when cancelled, never
 * delivers more than requested while back-pressuring its source, and acknowledges an input only
 * once all its outputs are consumed. Each case is a {@link StepContract}.
 */
class StepContractTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    static List<StepContract> contracts() {
        return StepContract.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void happyPathMakesTheExpectedOutputsAndCompletes(StepContract contract) throws Exception {
        List<Integer> inputs = range(1, 50);
        var source = InMemorySource.from(inputs);
        var sink = new CollectingSink<Object>();
        wire(source, contract.build(), sink);

        run(source);

        assertOutputs(contract, inputs, sink.items());
        assertTrue(sink.isCompleted());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void upstreamErrorReachesTheSinkAndFailsThePipeline(StepContract contract) {
        var source = InMemorySource.<Integer>manual();
        var sink = new CollectingSink<Object>();
        wire(source, contract.build(), sink);
        var broke = new IllegalStateException("upstream broke");
        range(1, 5).forEach(source::push);
        source.fail(broke);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertSame(broke, failure.getCause());
        assertSame(broke, sink.awaitError(TIMEOUT).getCause());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void throwingUserCodeFailsThePipelineNamingTheItem(StepContract contract) {
        assumeTrue(contract.callsUserCode, contract + " calls no user code on items");
        var source = InMemorySource.from(range(1, 20));
        var sink = new CollectingSink<Object>();
        wire(source, contract.build(x -> {
            if (x == 7) {
                throw new IllegalArgumentException("no sevens");
            }
            return x;
        }), sink);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertTrue(failure.getMessage().contains("failed on item \"7\""), failure.getMessage());
        assertEquals("no sevens", rootCause(failure).getMessage());
        assertNotNull(sink.awaitError(TIMEOUT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void cancelStopsTheSource(StepContract contract) throws Exception {
        var pulled = new CountDownLatch(1_000);
        var source = InMemorySource.from(endless(pulled::countDown));
        var subscriber = new DemandCheckingSubscriber();
        wire(source, contract.build(), subscriber);

        try (var pipeline = start(source)) {
            subscriber.requestMore(Long.MAX_VALUE);
            assertTrue(pulled.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the source never got going");
            subscriber.cancel();
            pipeline.await(TIMEOUT); // an endless source ends only if the cancel reached it
        }
        assertFalse(subscriber.violated(), subscriber.violation);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void deliversNoMoreThanRequestedAndBackPressuresTheSource(StepContract contract) throws Exception {
        var pulled = new AtomicInteger();
        var source = InMemorySource.from(endless(pulled::incrementAndGet));
        var subscriber = new DemandCheckingSubscriber();
        wire(source, contract.build(), subscriber);
        boolean holdsItsInput = contract.name.equals("window by time"); // emits only when time passes

        try (var pipeline = start(source)) {
            if (!holdsItsInput) {
                for (int received = 2; received <= 40; received += 2) {
                    subscriber.requestMore(2);
                    subscriber.awaitReceived(received);
                }
                assertEquals(40, subscriber.received.get());
            }
            // buffers along the way hold at most a few thousand items; without back-pressure the
            // source would have run on to the millions
            awaitSourceBlocked(pulled);
            assertTrue(pulled.get() < 5_000, "the source ran ahead by " + pulled.get() + " items");
            subscriber.cancel();
            pipeline.await(TIMEOUT);
        }
        assertFalse(subscriber.violated(), subscriber.violation);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contracts")
    void acknowledgesAnInputOnlyOnceEveryOutputFromItIsConsumed(StepContract contract) throws Exception {
        List<Integer> inputs = range(1, 60);
        List<Object> expected = contract.expected.apply(inputs);
        var source = InMemorySource.from(inputs);
        var sink = new CollectingSink<Object>();
        wire(source, contract.build(), sink);
        source.onAcknowledged(input -> {
            long due = expected.stream().filter(out -> contract.derives.test(input, out)).count();
            long consumed = sink.items().stream().map(contract.normalize)
                    .filter(out -> contract.derives.test(input, out)).count();
            assertEquals(due, consumed, "input " + input + " acknowledged before all its outputs were consumed");
        });

        run(source);

        assertEquals(inputs, StepContract.sorted(source.awaitAllAcknowledged(TIMEOUT)).stream()
                .map(Integer.class::cast).sorted().collect(Collectors.toList()));
        assertOutputs(contract, inputs, sink.items());
    }

    private static void assertOutputs(StepContract contract, List<Integer> inputs, List<Object> outputs) {
        List<Object> expected = contract.expected.apply(inputs);
        List<Object> actual = outputs.stream().map(contract.normalize).collect(Collectors.toList());
        if (contract.unordered) {
            assertEquals(StepContract.sorted(expected), StepContract.sorted(actual));
        } else {
            assertEquals(expected, actual);
        }
    }

    private static void wire(InMemorySource<Integer> source, StepContract.Stage stage,
            Flow.Subscriber<Object> subscriber) {
        source.subscribe(stage.input());
        stage.output().subscribe(subscriber);
    }

    /** Starts a pipeline on virtual time that never moves, so time windows close only at the end. */
    private static Pipeline start(InMemorySource<Integer> source) {
        Pipeline pipeline = Pipeline.from(source);
        VirtualTime.of(pipeline);
        pipeline.start();
        return pipeline;
    }

    private static void run(InMemorySource<Integer> source) throws Exception {
        try (var pipeline = start(source)) {
            pipeline.await(TIMEOUT);
        }
    }

    /** Waits until the source has pulled no new item while others moved on. */
    private static void awaitSourceBlocked(AtomicInteger pulled) throws InterruptedException {
        var blocked = new CountDownLatch(1);
        Thread watcher = new Thread(() -> {
            int last = -1;
            while (pulled.get() != last) {
                last = pulled.get();
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() < until && pulled.get() == last) {
                    Thread.onSpinWait();
                }
            }
            blocked.countDown();
        });
        watcher.setDaemon(true);
        watcher.start();
        assertTrue(blocked.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the source never stopped: " + pulled.get());
    }

    private static Iterable<Integer> endless(Runnable onPull) {
        return () -> new Iterator<>() {
            private int next = 1;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                onPull.run();
                return next++;
            }
        };
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }

    private static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A subscriber outside nanostream that requests by hand and records any item beyond demand. */
    static final class DemandCheckingSubscriber implements Flow.Subscriber<Object> {
        private final CountDownLatch subscribed = new CountDownLatch(1);
        private volatile Flow.Subscription subscription;
        private final AtomicLong outstanding = new AtomicLong();
        final AtomicInteger received = new AtomicInteger();
        private final Object lock = new Object();
        volatile String violation;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            subscribed.countDown();
        }

        @Override
        public void onNext(Object item) {
            if (outstanding.getAndDecrement() <= 0) {
                violation = "received " + item + " beyond the demand";
            }
            synchronized (lock) {
                received.incrementAndGet();
                lock.notifyAll();
            }
        }

        @Override
        public void onError(Throwable error) {
        }

        @Override
        public void onComplete() {
        }

        void requestMore(long n) throws InterruptedException {
            assertTrue(subscribed.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "never subscribed");
            outstanding.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
            subscription.request(n);
        }

        void awaitReceived(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            synchronized (lock) {
                while (received.get() < count) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        fail("waited " + TIMEOUT + " for " + count + " items; received " + received.get());
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            }
        }

        void cancel() {
            subscription.cancel();
        }

        boolean violated() {
            return violation != null;
        }
    }
}
