package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static io.nanostream.flow.TestNodes.identity;
import static io.nanostream.flow.TestNodes.map;
import static io.nanostream.flow.TestNodes.range;
import static io.nanostream.flow.TestNodes.run;
import static io.nanostream.flow.TestNodes.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class AbstractStepTest {

    /** Emits each word of a line: 1 to n outputs per input. */
    static final class SplitWords extends AbstractStep<String, String> {
        @Override
        protected void process(String line) {
            for (String word : line.split(" ")) {
                if (!word.isEmpty()) {
                    emit(word);
                }
            }
        }
    }

    /** Holds counts across calls and emits them at the end of input. */
    static final class CountWords extends AbstractStep<String, Map<String, Integer>> {
        final List<String> calls = new ArrayList<>();
        private final Map<String, Integer> counts = new HashMap<>();

        @Override
        protected void onStart() {
            calls.add("start");
        }

        @Override
        protected void process(String word) {
            counts.merge(word, 1, Integer::sum);
        }

        @Override
        protected void onEndOfInput() {
            calls.add("end");
            emit(Map.copyOf(counts));
        }
    }

    /** Takes its name and error policy where it is made, as the class description shows. */
    static final class ParseNumber extends AbstractStep<String, Integer> {
        ParseNumber(ErrorPolicy policy) {
            super("parse", 256);
            withErrorPolicy(policy);
        }

        @Override
        protected void process(String line) {
            emit(Integer.parseInt(line));
        }
    }

    @Test
    void aStepTakesItsNameAndPolicyInItsOwnConstructorAndKeepsItsType() throws Exception {
        ParseNumber parse = new ParseNumber(ErrorPolicy.skip());
        var source = source(List.of("1", "x", "3"));
        var sink = new TestNodes.RecordingSink<Integer>();
        source.subscribe(parse);
        parse.subscribe(sink);

        run(source);

        assertEquals("parse", parse.name());
        assertEquals(List.of(1, 3), sink.items, "the policy skipped \"x\"");
    }

    @Test
    void aNodeIsNamedOnce() {
        AbstractStep<String, String> parse = Steps.<String, String>map(String::trim).named("parse");

        assertEquals("step 'parse' was already named; name it once",
                assertThrows(IllegalStateException.class, () -> parse.named("trim")).getMessage());
        assertEquals("parse", parse.name());
    }

    @Test
    void emitsZeroOneOrManyItemsPerInputInOrder() throws Exception {
        var source = source(List.of("a b", "", "c", "d e f"));
        var split = new SplitWords();
        var sink = new RecordingSink<String>();
        source.subscribe(split);
        split.subscribe(sink);

        run(source);

        assertEquals(List.of("a", "b", "c", "d", "e", "f"), sink.items);
        assertEquals(List.of("start", "end"), sink.events);
    }

    @Test
    void runsHooksInOrderAndEmitsFromEndOfInput() throws Exception {
        var source = source(List.of("x", "y", "x"));
        var count = new CountWords();
        var sink = new RecordingSink<Map<String, Integer>>();
        source.subscribe(count);
        count.subscribe(sink);

        run(source);

        assertEquals(List.of(Map.of("x", 2, "y", 1)), sink.items);
        assertEquals(List.of("start", "end"), count.calls);
    }

    @Test
    void throwingProcessFailsThePipelineNamingStepAndItem() throws Exception {
        var source = source(List.of("1", "2", "x", "4"));
        var parse = TestNodes.<String, Integer>map("parse", Integer::parseInt);
        var sink = new RecordingSink<Integer>();
        source.subscribe(parse);
        parse.subscribe(sink);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertTrue(failure.getMessage().startsWith("step 'parse' failed on item \"x\": java.lang.NumberFormatException"),
                failure.getMessage());
        assertEquals("parse", failure.nodeName());
        assertInstanceOf(NumberFormatException.class, failure.getCause());
        assertEquals(List.of(1, 2), sink.items, "items processed before the failure are delivered");
        assertSame(failure, sink.ended.get(1, TimeUnit.SECONDS), "the sink receives the failure");
    }

    @Test
    void throwingEndOfInputFailsThePipeline() {
        var source = source(List.of(1));
        var step = new AbstractStep<Integer, Integer>("flush", 8) {
            @Override
            protected void process(Integer item) {
            }

            @Override
            protected void onEndOfInput() {
                throw new IllegalStateException("cannot flush");
            }
        };
        source.subscribe(step);
        step.subscribe(new RecordingSink<>());

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertTrue(failure.getMessage().startsWith("step 'flush' failed: java.lang.IllegalStateException: cannot flush"),
                failure.getMessage());
    }

    @Test
    void upstreamErrorTravelsDownstreamThroughSteps() throws Exception {
        var source = new AbstractSource<Integer>("broken", 8) {
            @Override
            protected void produce() {
                emit(1);
                throw new IllegalStateException("disk gone");
            }
        };
        var first = identity(8);
        var second = identity(8);
        var sink = new RecordingSink<Object>();
        source.subscribe(first);
        first.subscribe(second);
        second.subscribe(sink);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertTrue(failure.getMessage().startsWith("source 'broken' failed: java.lang.IllegalStateException: disk gone"),
                failure.getMessage());
        assertEquals(List.of(1), sink.items);
        assertSame(failure, sink.ended.get(1, TimeUnit.SECONDS));
    }

    @Test
    void aFailingSubscriberDoesNotDeadlockAStepBlockedInEmit() {
        // fast (buffer 1) is blocked in emit when its only subscriber fails and cancels: closing
        // fast on that subscriber's thread once waited for the lock the blocked emit holds.
        var source = source(range(1000));
        var fast = TestNodes.<Integer>identity(1);
        var failing = TestNodes.<Integer, Integer>map("fails-at-once", i -> {
            throw new IllegalStateException("no");
        });
        source.subscribe(fast);
        fast.subscribe(failing);
        failing.subscribe(new RecordingSink<>());

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertEquals("fails-at-once", failure.nodeName());
    }

    @Test
    void emittingNullFailsWithAMessageNamingTheStep() {
        var source = source(List.of(1));
        var step = map("nulls", item -> null);
        source.subscribe(step);
        step.subscribe(new RecordingSink<>());

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertTrue(failure.getMessage().contains("step 'nulls' emitted null; emit only non-null items"), failure.getMessage());
    }

    @Test
    void fanOutDeliversEveryItemToEachSubscriber() throws Exception {
        var source = source(range(1000));
        var step = TestNodes.<Integer>identity(16);
        var fast = new RecordingSink<Integer>();
        var slow = new RecordingSink<Integer>() {
            @Override
            protected void consume(Integer item) {
                Thread.onSpinWait();
                super.consume(item);
            }
        };
        source.subscribe(step);
        step.subscribe(fast);
        step.subscribe(slow);

        run(source);

        assertEquals(range(1000), fast.items);
        assertEquals(range(1000), slow.items);
    }

    @Test
    void fanInReceivesAllItemsAndCompletesAfterEveryUpstream() throws Exception {
        var evens = source(List.of(0, 2, 4, 6));
        var odds = source(List.of(1, 3, 5));
        var merge = new CountingIdentity();
        var sink = new RecordingSink<Integer>();
        evens.subscribe(merge);
        odds.subscribe(merge);
        merge.subscribe(sink);

        run(evens, odds);

        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), sink.items.stream().sorted().toList());
        assertEquals(List.of(0, 2, 4, 6), sink.items.stream().filter(i -> i % 2 == 0).toList(), "per-upstream order");
        assertEquals(1, merge.ends.get(), "end of input once, after both upstreams completed");
    }

    static final class CountingIdentity extends AbstractStep<Integer, Integer> {
        final AtomicInteger ends = new AtomicInteger();

        @Override
        protected void process(Integer item) {
            emit(item);
        }

        @Override
        protected void onEndOfInput() {
            ends.incrementAndGet();
        }
    }

    @Test
    void requestsUpstreamInHalfBufferBatches() throws Exception {
        var upstream = new HandDrivenPublisher<Integer>();
        var step = TestNodes.<Integer>identity(8);
        var sink = new RecordingSink<Integer>();
        upstream.subscribe(step);
        step.subscribe(sink);

        try (var pipeline = Pipeline.from(step)) {
            pipeline.start();
            assertEquals(List.of(8L), upstream.awaitRequests(1));
            for (int i = 0; i < 9; i++) {
                upstream.subscriber.onNext(i);
            }
            upstream.subscriber.onComplete();
            pipeline.await(TIMEOUT);
        }

        assertEquals(List.of(8L, 4L, 4L), upstream.requests, "first a full buffer, then half a buffer at a time");
        assertEquals(range(9), sink.items);
    }

    /** A publisher outside nanostream that the test drives by hand, recording requests. */
    static final class HandDrivenPublisher<T> implements Flow.Publisher<T> {
        final List<Long> requests = new ArrayList<>();
        Flow.Subscriber<? super T> subscriber;
        volatile boolean cancelled;
        final CountDownLatch cancellation = new CountDownLatch(1);

        /** Waits until the subscriber has called request {@code count} times, and returns the calls. */
        List<Long> awaitRequests(int count) throws InterruptedException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            synchronized (requests) {
                while (requests.size() < count) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("expected " + count + " requests, got " + requests);
                    }
                    TimeUnit.NANOSECONDS.timedWait(requests, left);
                }
                return List.copyOf(requests);
            }
        }

        @Override
        public void subscribe(Flow.Subscriber<? super T> s) {
            subscriber = s;
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    synchronized (requests) {
                        requests.add(n);
                        requests.notifyAll();
                    }
                }

                @Override
                public void cancel() {
                    cancelled = true;
                    cancellation.countDown();
                }
            });
        }
    }

    @Test
    void cancelsUpstreamWhenItFails() throws Exception {
        var upstream = new HandDrivenPublisher<String>();
        var parse = TestNodes.<String, Integer>map("parse", Integer::parseInt);
        upstream.subscribe(parse);
        parse.subscribe(new RecordingSink<>());

        try (var pipeline = Pipeline.from(parse)) {
            pipeline.start();
            upstream.awaitRequests(1);
            upstream.subscriber.onNext("oops");
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
        }

        assertTrue(upstream.cancelled);
    }

    @Test
    void slowSinkKeepsItemsInFlightWithinTheBuffers() throws Exception {
        // source (buffer 8) -> step (buffer 8) -> sink: at most 8 + 8 buffered, plus the item the
        // step holds while blocked in emit and the one the sink is consuming.
        int bound = 8 + 8 + 1 + 1;
        int count = 300;
        var progress = new Progress();
        var source = new AbstractSource<Integer>("counting", 8) {
            @Override
            protected void produce() {
                for (int i = 0; i < count; i++) {
                    emit(i);
                    progress.emitted();
                }
            }
        };
        var step = TestNodes.<Integer>identity(8);
        var sink = new AbstractSink<Integer>("lockstep", 8) {
            @Override
            protected void consume(Integer item) throws InterruptedException {
                // Wait until the source has filled every buffer before taking the next item.
                progress.awaitEmitted(Math.min(item + bound, count));
                progress.consumed();
            }
        };
        source.subscribe(step);
        step.subscribe(sink);

        run(source);

        assertEquals(bound, progress.maxInFlight, "the source filled exactly the buffers, never more");
    }

    /** Counts emitted and consumed items, tracking the most in flight at once. */
    static final class Progress {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private int emitted;
        private int consumed;
        int maxInFlight;

        void emitted() {
            lock.lock();
            try {
                emitted++;
                maxInFlight = Math.max(maxInFlight, emitted - consumed);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void consumed() {
            lock.lock();
            try {
                consumed++;
            } finally {
                lock.unlock();
            }
        }

        void awaitEmitted(int target) throws InterruptedException {
            long left = TIMEOUT.toNanos();
            lock.lock();
            try {
                while (emitted < target) {
                    if (left <= 0) {
                        throw new AssertionError("source stopped at " + emitted + " items, expected " + target
                                + ": the buffers hold fewer items than configured");
                    }
                    left = changed.awaitNanos(left);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    @Test
    void cancelsASecondSubscriptionFromOutsideNanostreamAsRule205Requires() {
        var first = new HandDrivenPublisher<Integer>();
        var second = new HandDrivenPublisher<Integer>();
        var step = TestNodes.<Integer>identity(8);

        first.subscribe(step);
        second.subscribe(step);

        assertFalse(first.cancelled);
        assertTrue(second.cancelled, "the second foreign subscription is cancelled");
        assertEquals(List.of(), second.requests);
    }

    @Test
    void requestsNothingUpstreamUntilASubscriberRequests() throws Exception {
        var upstream = new HandDrivenPublisher<Integer>();
        var step = TestNodes.<Integer>identity(8);
        var downstream = new ManualSubscriber<Integer>();
        upstream.subscribe(step);
        step.subscribe(downstream);
        Standalone.start(step);
        downstream.subscription();
        assertEquals(List.of(), upstream.requests, "what the step emitted now would reach nobody");

        downstream.subscription().request(1);

        assertEquals(List.of(8L), upstream.awaitRequests(1));
    }

    @Test
    void cancelsUpstreamOnceEveryDownstreamHasCancelled() throws Exception {
        var upstream = new HandDrivenPublisher<Integer>();
        var step = TestNodes.<Integer>identity(8);
        var first = new ManualSubscriber<Integer>();
        var second = new ManualSubscriber<Integer>();
        upstream.subscribe(step);
        step.subscribe(first);
        step.subscribe(second);
        Standalone.start(step);
        first.subscription().request(1);
        upstream.awaitRequests(1);

        first.subscription().cancel();
        assertFalse(upstream.cancelled, "one subscriber is still listening");
        second.subscription().cancel();

        assertTrue(upstream.cancellation.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void upstreamErrorReachesEachSubscriberAfterTheItemsItRequested() throws Exception {
        var upstream = new HandDrivenPublisher<Integer>();
        var step = TestNodes.<Integer>identity(8);
        var eager = new ManualSubscriber<Integer>();
        var idle = new ManualSubscriber<Integer>();
        upstream.subscribe(step);
        step.subscribe(eager);
        step.subscribe(idle);
        Standalone.start(step);
        idle.subscription();
        eager.subscription().request(10);
        upstream.awaitRequests(1);
        var boom = new IllegalStateException("upstream broke");
        upstream.subscriber.onNext(1);
        upstream.subscriber.onNext(2);
        upstream.subscriber.onError(boom);

        assertSame(boom, idle.error.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "no demand: the error comes at once");
        assertSame(boom, eager.error.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(List.of(1, 2), eager.items, "buffered items it requested come before the error");
        assertEquals(List.of(), idle.items);
    }

    /** A subscriber outside nanostream that the test drives by hand. */
    static final class ManualSubscriber<T> implements Flow.Subscriber<T> {
        final List<T> items = java.util.Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();

        Flow.Subscription subscription() throws Exception {
            return subscription.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.complete(s);
        }

        @Override
        public void onNext(T item) {
            items.add(item);
        }

        @Override
        public void onError(Throwable e) {
            error.complete(e);
        }

        @Override
        public void onComplete() {
            error.complete(null);
        }
    }

    @Test
    void rejectsNonPositiveBufferSize() {
        var error = assertThrows(IllegalArgumentException.class, () -> identity(0));
        assertEquals("bufferSize must be positive: 0", error.getMessage());
    }

    @Test
    void rejectsSubscribingTheSameSubscriberTwice() {
        var step = identity(8);
        var sink = new RecordingSink<Object>();
        step.subscribe(sink);

        var error = assertThrows(IllegalStateException.class, () -> step.subscribe(sink));

        assertEquals("sink '" + sink.name() + "' is already subscribed to step '" + step.name()
                + "'; subscribe each subscriber once", error.getMessage());
    }

    @Test
    void rejectsNullSignalsAsRule213Requires() {
        var step = identity(8);
        assertThrows(NullPointerException.class, () -> step.onNext(null));
        assertThrows(NullPointerException.class, () -> step.onSubscribe(null));
        assertThrows(NullPointerException.class, () -> step.onError(null));
        assertThrows(NullPointerException.class, () -> step.subscribe(null));
    }

    @Test
    void namesDefaultToTheClassName() {
        assertEquals("SplitWords", new SplitWords().name());
        assertEquals("given", map("given", x -> x).name());
    }

    @Test
    void itsSubscribersAreTheSubscribersNotTheirLinks() {
        var step = identity(8);
        var sink = new RecordingSink<Object>();
        step.subscribe(sink);

        assertEquals(List.of(sink), step.subscribers());
    }

    @Test
    void isBuiltOnASubmissionPublisherWithTheGivenBufferSize() {
        var step = identity(100);
        assertEquals(128, step.bufferCapacity(), "rounded up to a power of two");
    }

    /**
     * Issue 15: a step that was a {@code SubmissionPublisher} let {@code submit(x)} in
     * {@code process} (as the JDK's own example does) send an item around delivery tracking, and
     * the source item was acknowledged while the sink still held what came of it unconsumed. Now
     * the publisher is held privately: a step, a source or a partition shows the nanostream API and
     * the {@code Flow} interfaces, nothing of {@code SubmissionPublisher}.
     */
    @Test
    void nodesShowNoneOfTheSubmissionPublishersMethods() {
        java.util.Set<String> publisherOnly = new java.util.TreeSet<>();
        for (java.lang.reflect.Method method : java.util.concurrent.SubmissionPublisher.class.getMethods()) {
            if (method.getDeclaringClass() == java.util.concurrent.SubmissionPublisher.class) {
                publisherOnly.add(method.getName());
            }
        }
        for (Class<?> node : List.of(AbstractStep.class, AbstractSource.class, Partition.class)) {
            assertFalse(java.util.concurrent.SubmissionPublisher.class.isAssignableFrom(node), node.getName());
            java.util.Set<String> shown = new java.util.TreeSet<>();
            for (java.lang.reflect.Method method : node.getMethods()) {
                shown.add(method.getName());
            }
            for (java.lang.reflect.Method method : node.getDeclaredMethods()) {
                if (java.lang.reflect.Modifier.isProtected(method.getModifiers())) {
                    shown.add(method.getName());
                }
            }
            shown.retainAll(publisherOnly);
            shown.remove("subscribe"); // Flow.Publisher's
            assertEquals(java.util.Set.of(), shown, node.getSimpleName() + " shows SubmissionPublisher's methods");
        }
    }
}
