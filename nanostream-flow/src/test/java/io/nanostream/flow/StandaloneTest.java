package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A node outside any pipeline, in a plain Flow chain: the guarantees {@link Standalone} states. */
class StandaloneTest {

    /** Takes every item it is offered, one at a time, and records the end. */
    static final class PlainSubscriber<T> implements Flow.Subscriber<T> {
        final List<T> items = Collections.synchronizedList(new ArrayList<>());
        /** The threads that delivered to it. */
        final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final CompletableFuture<Void> completed = new CompletableFuture<>();
        private Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(T item) {
            items.add(item);
            threads.add(Thread.currentThread());
            subscription.request(1);
        }

        @Override
        public void onError(Throwable error) {
            completed.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            completed.complete(null);
        }
    }

    @Test
    void aStepBetweenAJdkPublisherAndAPlainSubscriberPassesEveryItemOn() throws Exception {
        var upstream = new SubmissionPublisher<Integer>();
        var plus100 = Standalone.start(TestNodes.<Integer, Integer>map("plus-100", n -> n + 100));
        var downstream = new PlainSubscriber<Integer>();
        upstream.subscribe(plus100);
        plus100.subscribe(downstream);

        for (int i = 0; i < 1000; i++) {
            upstream.submit(i);
        }
        upstream.close();

        downstream.completed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(1000, downstream.items.size());
        assertEquals(100, downstream.items.get(0));
        assertEquals(1099, downstream.items.get(999));
    }

    @Test
    void aSourceAloneProducesForAPlainSubscriber() throws Exception {
        var source = Standalone.start(TestNodes.source(TestNodes.range(500)));
        var downstream = new PlainSubscriber<Integer>();

        source.subscribe(downstream);

        downstream.completed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(TestNodes.range(500), downstream.items);
    }

    @Test
    void aSubscriberThatSubscribesBeforeTheStartGetsItsSubscriptionAtTheStart() throws Exception {
        var source = TestNodes.source(TestNodes.range(3));
        var downstream = new PlainSubscriber<Integer>();
        source.subscribe(downstream);
        assertFalse(downstream.completed.isDone());

        Standalone.start(source);

        downstream.completed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of(0, 1, 2), downstream.items);
    }

    @Test
    void theNodesThreadsEndOnceItHasTerminated() throws Exception {
        var source = Standalone.start(TestNodes.source(TestNodes.range(100)));
        var step = Standalone.start(TestNodes.<Integer, Integer>map("standalone-threads", n -> n));
        var downstream = new PlainSubscriber<Integer>();
        source.subscribe(step);
        step.subscribe(downstream);
        downstream.completed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        // the threads that delivered, seen as they did: once idle they may end before a look here
        List<Thread> threads = new ArrayList<>(downstream.threads);
        assertFalse(threads.isEmpty());
        assertTrue(threads.stream().allMatch(t -> t.getName().startsWith("nanostream-standalone-threads-")),
                "the step delivered on threads of its own: " + threads);
        for (Thread thread : threads) {
            assertTrue(thread.isDaemon(), thread + " keeps no JVM alive");
            thread.join(TIMEOUT.toMillis());
            assertFalse(thread.isAlive(), thread + " ended after the step terminated");
        }
    }

    @Test
    void aNodeRunsAloneOrInAPipelineNotBoth() {
        var alone = Standalone.start(TestNodes.<Integer, Integer>map("alone", n -> n));
        alone.subscribe(new TestNodes.RecordingSink<>());
        var error = assertThrows(IllegalStateException.class, () -> Pipeline.from(alone));
        assertEquals("step 'alone' already runs alone (Standalone.start); a node runs in a pipeline or"
                + " alone, not both", error.getMessage());

        var inPipeline = TestNodes.source(TestNodes.range(1));
        inPipeline.subscribe(new TestNodes.RecordingSink<>());
        Pipeline.from(inPipeline).named("etl");
        error = assertThrows(IllegalStateException.class, () -> Standalone.start(inPipeline));
        assertEquals("source 'ListSource' belongs to pipeline 'etl', which starts it; a node runs in a"
                + " pipeline or alone, not both", error.getMessage());
    }

    @Test
    void aNodeStartsOnce() {
        var step = Standalone.start(TestNodes.identity(8));
        var error = assertThrows(IllegalStateException.class, () -> Standalone.start(step));
        assertTrue(error.getMessage().endsWith("already runs alone; start it once"), error.getMessage());
    }

    @Test
    void onlySourcesStepsAndPartitionsStart() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> Standalone.start(new SubmissionPublisher<Integer>()));
        assertTrue(error.getMessage().endsWith("is not a nanostream source, step or partition; a sink needs no start,"
                + " and other publishers run by themselves"), error.getMessage());
    }
}
