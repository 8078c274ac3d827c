package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * {@link Steps#mapAsyncByKey} and {@link Steps#mapBlockingByKey}: the order of each key with the
 * keys overtaking each other, the bounds on calls and on what the step holds, failures per item,
 * timeouts, cancellation and delivery tracking. Items are "key:number" strings; a call's result
 * is the item in upper case.
 */
class KeyedCallStepTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** A call under way: its item, and the future the test completes. */
    private final class Call {
        private final String item;
        private final CompletableFuture<String> result = new CompletableFuture<>();

        Call(String item) {
            this.item = item;
        }

        String item() {
            return item;
        }

        /** Counts the call over, then completes it: the step may start the next at once. */
        void complete() {
            underWayByKey.get(key(item)).decrementAndGet();
            underWay.decrementAndGet();
            result.complete(item.toUpperCase());
        }
    }

    private final BlockingQueue<Call> started = new LinkedBlockingQueue<>();
    /** Calls under way per key, and the most seen at once per key and in all. */
    private final Map<String, AtomicInteger> underWayByKey = new ConcurrentHashMap<>();
    private final AtomicInteger underWay = new AtomicInteger();
    private final AtomicInteger mostUnderWay = new AtomicInteger();
    private final AtomicInteger mostUnderWayOfAKey = new AtomicInteger();

    private static String key(String item) {
        return item.substring(0, item.indexOf(':'));
    }

    /** A call the test completes by hand. */
    private CompletableFuture<String> call(String item) {
        AtomicInteger ofKey = underWayByKey.computeIfAbsent(key(item), k -> new AtomicInteger());
        mostUnderWayOfAKey.accumulateAndGet(ofKey.incrementAndGet(), Math::max);
        mostUnderWay.accumulateAndGet(underWay.incrementAndGet(), Math::max);
        Call call = new Call(item);
        started.add(call);
        return call.result;
    }

    private Call nextCall() throws InterruptedException {
        Call call = started.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (call == null) {
            fail("no call started within " + TIMEOUT);
        }
        return call;
    }

    private static List<String> items(int keys, int perKey) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < perKey; i++) {
            for (int k = 0; k < keys; k++) {
                items.add("k" + k + ":" + i);
            }
        }
        return items;
    }

    /** Subscribes {@code step} to {@code source} and a new sink to {@code step}; returns the sink. */
    private static CollectingSink<String> wire(InMemorySource<String> source, KeyedCallStep<String, String> step) {
        var sink = new CollectingSink<String>();
        source.subscribe(step);
        step.subscribe(sink);
        return sink;
    }

    /** Wires {@code source} to {@code step} to a new sink, runs them to the end; returns the sink. */
    private static CollectingSink<String> runThrough(InMemorySource<String> source, KeyedCallStep<String, String> step)
            throws Exception {
        var sink = wire(source, step);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        return sink;
    }

    /** The outputs of each key, in the order they left. */
    private static Map<String, List<String>> byKey(List<String> outputs) {
        return outputs.stream().collect(Collectors.groupingBy(item -> key(item.toLowerCase()), HashMap::new,
                Collectors.toList()));
    }

    @Test
    void keepsEachKeysOrderWhileKeysOvertakeEachOther() throws Exception {
        List<String> items = items(5, 6);
        var source = InMemorySource.from(items);
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 3, this::call);
        var sink = wire(source, step);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            List<Call> pending = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            for (int done = 0; done < items.size() && System.nanoTime() < deadline; ) {
                Call next = started.poll(pending.isEmpty() ? TIMEOUT.toMillis() : 20, TimeUnit.MILLISECONDS);
                if (next != null) {
                    pending.add(next);
                }
                if (!pending.isEmpty() && (pending.size() == 3 || next == null)) {
                    pending.remove(pending.size() - 1).complete(); // the newest first
                    done++;
                }
            }
            pipeline.await(TIMEOUT);
        }

        Map<String, List<String>> expected = byKey(items.stream().map(String::toUpperCase).toList());
        assertEquals(expected, byKey(sink.items()), "each key's outputs in its input order");
        assertTrue(!sink.items().equals(items.stream().map(String::toUpperCase).toList()),
                "the keys overtook each other: " + sink.items());
        assertEquals(3, mostUnderWay.get(), "calls under way at once, of maxInFlight 3");
        assertEquals(1, mostUnderWayOfAKey.get(), "calls of one key under way at once");
        assertEquals(items.size(), source.acknowledged().size());
    }

    @Test
    void aHotKeyFillsTheStepToMaxHeldAndBackPressuresUpstream() throws Exception {
        var source = InMemorySource.<String>manual();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 8, this::call).maxHeld(10);
        var sink = wire(source, step);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            items.add("hot:" + i);
        }
        items.add("cold:0");

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            items.forEach(source::push);
            source.complete();
            Call first = nextCall();
            awaitHeld(step, 10);

            assertEquals(10, step.held(), "items held: the hot key's call and those behind it");
            assertEquals(1, step.callsInFlight());
            assertTrue(pipeline.metrics().node("mapAsyncByKey").in() < 10 + 1, "taken while full");
            assertTrue(pipeline.metrics().node("mapAsyncByKey").queued() > 0, "the rest waits upstream");
            assertEquals(List.of(), sink.items());

            first.complete();
            for (int i = 1; i < items.size(); i++) {
                nextCall().complete();
                assertTrue(step.held() <= 10, "held " + step.held());
            }
            pipeline.await(TIMEOUT);
        }
        assertEquals(byKey(items.stream().map(String::toUpperCase).toList()), byKey(sink.items()));
    }

    private static void awaitHeld(KeyedCallStep<?, ?> step, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (step.held() < count) {
            if (System.nanoTime() > deadline) {
                fail("the step holds " + step.held() + " items, not " + count + ", after " + TIMEOUT);
            }
            new CountDownLatch(1).await(5, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void aRetryBacksOffWithoutHoldingOtherKeysAndKeepsItsKeysOrder() throws Exception {
        var source = InMemorySource.<String>manual();
        AtomicInteger attemptsOfA0 = new AtomicInteger();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 1, (String item) ->
                item.equals("a:0") && attemptsOfA0.incrementAndGet() == 1
                        ? CompletableFuture.<String>failedFuture(new IllegalStateException("busy"))
                        : CompletableFuture.completedFuture(item.toUpperCase()));
        step.withErrorPolicy(ErrorPolicy.retry(3, Duration.ofMinutes(1)));
        var sink = wire(source, step);

        try (var pipeline = Pipeline.from(source)) {
            var time = VirtualTime.of(pipeline);
            pipeline.start();
            source.push("a:0").push("b:0").push("a:1").push("b:1").push("c:0");
            time.settle();
            assertEquals(List.of("B:0", "B:1", "C:0"), sink.items(), "other keys went on, with maxInFlight 1");
            assertEquals(2, step.held(), "a:0 backing off, a:1 behind it");
            assertEquals(0, step.callsInFlight());

            time.advance(Duration.ofMinutes(1));
            assertEquals(List.of("B:0", "B:1", "C:0", "A:0", "A:1"), sink.items());
            source.complete();
            pipeline.await(TIMEOUT);
            assertEquals(1, pipeline.metrics().node("mapAsyncByKey").retried());
        }
        assertEquals(2, attemptsOfA0.get());
    }

    @Test
    void aCallThatFailsForGoodLetsItsKeysNextItemGoAndGoesToTheDeadLetters() throws Exception {
        var source = InMemorySource.of("a:0", "a:1", "b:0", "a:2");
        KeyedCallStep<String, String> step = Steps.mapBlockingByKey(KeyedCallStepTest::key, 4, (String item) -> {
            if (item.equals("a:1")) {
                throw new java.io.IOException("refused: " + item);
            }
            return item.toUpperCase();
        });
        var deadLetters = new CollectingSink<DeadLetter>();
        step.withErrorPolicy(ErrorPolicy.deadLetter(deadLetters));
        var sink = runThrough(source, step);

        assertEquals(List.of("A:0", "A:2"), byKey(sink.items()).get("a"));
        assertEquals(List.of("B:0"), byKey(sink.items()).get("b"));
        assertEquals(1, deadLetters.items().size());
        assertEquals("a:1", deadLetters.items().get(0).item());
        assertInstanceOf(java.io.IOException.class, deadLetters.items().get(0).error());
        assertEquals(4, source.acknowledged().size(), "every input acknowledged, the dead letter's too");
    }

    @Test
    void aCallThatDoesNotCompleteInTimeIsCancelledAndSettledByThePolicy() throws Exception {
        var source = InMemorySource.of("slow:0", "slow:1", "fast:0");
        List<CompletableFuture<String>> calls = new ArrayList<>();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 4, (String item) -> {
            CompletableFuture<String> call = item.equals("slow:0") ? new CompletableFuture<>()
                    : CompletableFuture.completedFuture(item.toUpperCase());
            synchronized (calls) {
                calls.add(call);
            }
            return call;
        }).timeout(Duration.ofMillis(100));
        var deadLetters = new CollectingSink<DeadLetter>();
        step.withErrorPolicy(ErrorPolicy.deadLetter(deadLetters));
        var sink = runThrough(source, step);

        assertEquals(Set.of("SLOW:1", "FAST:0"), Set.copyOf(sink.items()));
        assertEquals("slow:0", deadLetters.items().get(0).item());
        assertInstanceOf(TimeoutException.class, deadLetters.items().get(0).error());
        assertTrue(deadLetters.items().get(0).error().getMessage().contains("did not complete within PT0.1S"),
                deadLetters.items().get(0).error().getMessage());
        assertTrue(calls.get(0).isCancelled(), "the call that timed out was cancelled");
    }

    @Test
    void aBlockingCallThatTimesOutIsInterrupted() throws Exception {
        var source = InMemorySource.of("slow:0", "fast:0");
        CountDownLatch interrupted = new CountDownLatch(1);
        KeyedCallStep<String, String> step = Steps.mapBlockingByKey(KeyedCallStepTest::key, 2, (String item) -> {
            if (item.equals("slow:0")) {
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
            }
            return item.toUpperCase();
        }).timeout(Duration.ofMillis(100));
        step.withErrorPolicy(ErrorPolicy.skip());
        var sink = wire(source, step);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
            assertTrue(interrupted.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the blocked call was interrupted");
            assertEquals(1, pipeline.metrics().node("mapBlockingByKey").skipped());
        }
        assertEquals(List.of("FAST:0"), sink.items());
    }

    @Test
    void blockingCallsOfDifferentKeysRunAtOnceOnThreadsOfTheStepsOwn() throws Exception {
        int keys = 40;
        List<String> items = items(keys, 3);
        var source = InMemorySource.from(items);
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(keys);
        Set<Boolean> virtual = ConcurrentHashMap.newKeySet();
        KeyedCallStep<String, String> step = Steps.mapBlockingByKey(KeyedCallStepTest::key, keys, (String item) -> {
            virtual.add(isVirtual(Thread.currentThread()));
            together.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS); // only if 40 calls are under way at once
            return item.toUpperCase();
        });
        var sink = runThrough(source, step);

        assertEquals(byKey(items.stream().map(String::toUpperCase).toList()), byKey(sink.items()));
        assertEquals(Set.of(Runtime.version().feature() >= 21), virtual,
                "virtual threads where the JDK has them (JDK " + Runtime.version().feature() + ")");
    }

    private static boolean isVirtual(Thread thread) {
        try {
            return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
        } catch (NoSuchMethodException e) {
            return false;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void blockingCallsRunOnTheExecutorGiven() throws Exception {
        var executor = java.util.concurrent.Executors.newFixedThreadPool(2, task -> new Thread(task, "given"));
        try {
            var source = InMemorySource.of("a:0", "b:0", "a:1");
            Set<String> threads = ConcurrentHashMap.newKeySet();
            KeyedCallStep<String, String> step = Steps.mapBlockingByKey(KeyedCallStepTest::key, 2, executor,
                    (String item) -> {
                        threads.add(Thread.currentThread().getName());
                        return item.toUpperCase();
                    });
            var sink = new CollectingSink<String>();
            source.subscribe(step);
            step.subscribe(sink);
            try (var pipeline = Pipeline.from(source)) {
                pipeline.start();
                pipeline.await(TIMEOUT);
            }
            assertEquals(Set.of("given"), threads);
            assertEquals(List.of("A:0", "A:1"), byKey(sink.items()).get("a"));
            assertTrue(!executor.isShutdown(), "the step leaves the executor given to it running");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aSourceHearsOfAnItemOnlyOnceItsCallIsOver() throws Exception {
        var source = InMemorySource.<String>manual();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 4, this::call);
        var sink = wire(source, step);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push("a:0").push("b:0");
            Call first = nextCall();
            Call second = nextCall();
            Call b = first.item().equals("b:0") ? first : second;
            Call a = b == first ? second : first;
            b.complete();
            sink.awaitCount(1, TIMEOUT);
            assertEquals(List.of("b:0"), awaitAcknowledged(source, 1));
            assertEquals(1, step.callsInFlight());
            assertTrue(step.oldestCall().compareTo(Duration.ZERO) > 0);

            a.complete();
            source.complete();
            pipeline.await(TIMEOUT);
        }
        assertEquals(Set.of("a:0", "b:0"), Set.copyOf(source.acknowledged()));
        assertEquals(Duration.ZERO, step.oldestCall());
    }

    @Test
    void itsCallsShowInThePipelinesMetricsItsMBeanAndItsProgressLine() throws Exception {
        var source = InMemorySource.<String>manual();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 2, this::call);
        step.named("enrich");
        wire(source, step);
        var server = ManagementFactory.getPlatformMBeanServer();
        var name = new ObjectName("io.nanostream:type=Pipeline,name=\"keyed calls\"");

        try (var pipeline = Pipeline.from(source).named("keyed calls")) {
            pipeline.start();
            source.push("a:0").push("b:0").push("c:0");
            Call first = nextCall();
            Call second = nextCall();
            awaitHeld(step, 3);
            PipelineMetrics before = pipeline.metrics();
            NodeMetrics enrich = before.node("enrich");

            assertEquals(2, enrich.callsInFlight(), "calls under way, of maxInFlight 2");
            assertEquals(1, enrich.keysWaiting(), "c waits for a free call");
            assertTrue(enrich.oldestCall().compareTo(Duration.ZERO) > 0, "oldest call " + enrich.oldestCall());
            assertEquals(-1, before.node("InMemorySource").callsInFlight(), "a node that makes no calls");
            assertEquals(2L, server.getAttribute(name, "enrich.callsInFlight"));
            assertEquals(1L, server.getAttribute(name, "enrich.keysWaiting"));
            String line = pipeline.metrics().progressSince(before);
            assertTrue(line.matches(".*\\| enrich [^|]* calls 2 keys waiting 1 oldest \\d+ms( \\|.*|$)"), line);

            first.complete();
            second.complete();
            nextCall().complete();
            source.complete();
            pipeline.await(TIMEOUT);
            NodeMetrics after = pipeline.metrics().node("enrich");
            assertEquals(List.of(0L, 0L, Duration.ZERO), List.of(after.callsInFlight(), after.keysWaiting(),
                    after.oldestCall()), "calls in flight, keys waiting and the oldest call's age at the end");
        }
    }

    private static List<String> awaitAcknowledged(InMemorySource<String> source, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (source.acknowledged().size() < count && System.nanoTime() < deadline) {
            new CountDownLatch(1).await(5, TimeUnit.MILLISECONDS);
        }
        return source.acknowledged();
    }

    @Test
    void whenThePipelineFailsTheCallsUnderWayAreCancelled() throws Exception {
        var source = InMemorySource.of("a:0", "b:0", "c:0");
        List<CompletableFuture<String>> pending = new ArrayList<>();
        CountDownLatch twoStarted = new CountDownLatch(2);
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 4, (String item) -> {
            if (item.equals("c:0")) {
                try {
                    twoStarted.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return CompletableFuture.failedFuture(new IllegalStateException("broken: " + item));
            }
            CompletableFuture<String> call = new CompletableFuture<>();
            synchronized (pending) {
                pending.add(call);
            }
            twoStarted.countDown();
            return call;
        });
        var sink = wire(source, step);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertThrows(io.nanostream.flow.PipelineException.class, () -> pipeline.await(TIMEOUT));
        }
        assertEquals(2, pending.size());
        assertTrue(pending.stream().allMatch(CompletableFuture::isCancelled), "the calls under way were cancelled");
        assertEquals(List.of(), source.acknowledged());
    }

    @Test
    void closingAPipelineThatDoesNotFinishCancelsTheCallsUnderWay() throws Exception {
        var source = InMemorySource.<String>manual();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 4, this::call);
        wire(source, step);
        Call call;
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push("a:0");
            call = nextCall();
            pipeline.close(Duration.ofMillis(100)); // the source never ends: close gives up and aborts
        }
        call.result.exceptionally(error -> null).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS); // ended, by whatever
        assertTrue(call.result.isCancelled(), "the call under way was cancelled");
        assertEquals(List.of(), source.acknowledged());
    }

    @Test
    void aStepFullOfCallsThatNeverEndStillEndsWhenItsPipelineFails() throws Exception {
        var source = InMemorySource.<String>manual();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 4, this::call).maxHeld(4);
        wire(source, step);
        var other = InMemorySource.<String>manual(); // another path of the pipeline, which fails
        var broken = Steps.<String, String>map(item -> {
            throw new IllegalStateException("broken: " + item);
        });
        other.subscribe(broken);
        broken.subscribe(new CollectingSink<>());
        List<Call> calls = new ArrayList<>();
        try (var pipeline = Pipeline.from(source, other)) {
            pipeline.start();
            source.push("a:0").push("b:0").push("c:0").push("d:0"); // the step holds 4: it waits for a call to end
            for (int i = 0; i < 4; i++) {
                calls.add(nextCall());
            }
            other.push("x");
            assertThrows(io.nanostream.flow.PipelineException.class, () -> pipeline.await(TIMEOUT));
        }
        for (Call call : calls) {
            call.result.exceptionally(error -> null).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(call.result.isCancelled(), call.item() + "'s call was cancelled");
        }
    }

    @Test
    void anErrorThrownByTheFunctionGoesThroughThePolicyAndLosesNeitherTheKeyNorACall() throws Exception {
        var source = InMemorySource.of("a:0", "a:1", "b:0");
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 1, (String item) -> {
            if (item.equals("a:0")) {
                throw new AssertionError("a mock's verification failed for " + item);
            }
            return CompletableFuture.completedFuture(item.toUpperCase());
        });
        step.withErrorPolicy(ErrorPolicy.skip());

        var sink = runThrough(source, step);

        assertEquals(Set.of("A:1", "B:0"), Set.copyOf(sink.items()), "one call at a time, and the key a went on");
        assertEquals(3, source.acknowledged().size());
    }

    @Test
    void aGracefulStopLetsTheCallsUnderWayFinish() throws Exception {
        var source = InMemorySource.<String>manual();
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 4, this::call);
        var sink = wire(source, step);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push("a:0").push("a:1").push("b:0");
            Call first = nextCall();
            Call second = nextCall();
            pipeline.stop();
            first.complete();
            second.complete();
            nextCall().complete(); // a:1, after a:0
            pipeline.await(TIMEOUT);
        }
        assertEquals(List.of("A:0", "A:1"), byKey(sink.items()).get("a"));
        assertEquals(3, source.acknowledged().size());
    }

    @Test
    void itemsWithANullKeyKeepOneOrder() throws Exception {
        var source = InMemorySource.of("x:0", "x:1", "x:2");
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(item -> null, 4,
                (String item) -> CompletableFuture.supplyAsync(item::toUpperCase));
        var sink = runThrough(source, step);
        assertEquals(List.of("X:0", "X:1", "X:2"), sink.items());
    }

    @Test
    void refusesToHoldFewerItemsThanCallsUnderWay() {
        KeyedCallStep<String, String> step = Steps.mapAsyncByKey(KeyedCallStepTest::key, 64,
                CompletableFuture::completedFuture);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> step.maxHeld(10));
        assertEquals("maxHeld is 10, fewer than the 64 calls maxInFlight allows; give at least 64", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Steps.mapAsyncByKey(KeyedCallStepTest::key, 0,
                CompletableFuture::completedFuture));
    }
}
