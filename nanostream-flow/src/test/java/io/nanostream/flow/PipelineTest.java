package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static io.nanostream.flow.TestNodes.range;
import static io.nanostream.flow.TestNodes.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class PipelineTest {

    @Test
    void runsThroughItsStates() throws Exception {
        var gate = new CountDownLatch(1);
        var source = new AbstractSource<Integer>("gated", 8) {
            @Override
            protected void produce() throws InterruptedException {
                gate.await();
                emit(1);
            }
        };
        source.subscribe(new RecordingSink<>());
        try (var pipeline = Pipeline.from(source)) {
            assertEquals(Pipeline.State.NEW, pipeline.state());
            pipeline.start();
            assertEquals(Pipeline.State.RUNNING, pipeline.state());
            gate.countDown();
            pipeline.await(TIMEOUT);
            assertEquals(Pipeline.State.COMPLETED, pipeline.state());
        }
    }

    @Test
    void failedPipelineReportsFailedState() throws Exception {
        var source = source(List.of("x"));
        var step = TestNodes.<String, Integer>map("parse", Integer::parseInt);
        source.subscribe(step);
        step.subscribe(new RecordingSink<>());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertEquals(Pipeline.State.FAILED, pipeline.state());
        }
    }

    @Test
    void failureInOneBranchStopsTheSourceAndFailsTheOtherBranch() throws Exception {
        var source = new AbstractSourceTest.Counter();
        var failing = TestNodes.<Integer, Integer>map("fails-at-50", i -> {
            if (i == 50) {
                throw new IllegalStateException("boom");
            }
            return i;
        });
        var healthy = new RecordingSink<Integer>();
        source.subscribe(failing);
        source.subscribe(healthy);
        failing.subscribe(new RecordingSink<>());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            var failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertEquals("fails-at-50", failure.nodeName());
        }
        assertTrue(healthy.ended.get(1, TimeUnit.SECONDS) instanceof PipelineException, "the other branch got onError");
    }

    @Test
    void rejectsACycle() {
        var source = source(List.of(1));
        var a = TestNodes.<Integer, Integer>map("a", x -> x);
        var b = TestNodes.<Integer, Integer>map("b", x -> x);
        source.subscribe(a);
        a.subscribe(b);
        b.subscribe(a);

        var error = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(source));

        assertEquals("the graph has a cycle: source 'ListSource' -> step 'a' -> step 'b' -> step 'a';"
                + " a pipeline must not feed a node its own output", error.getMessage());
    }

    @Test
    void rejectsAStepWithoutSubscribers() {
        var source = source(List.of(1));
        var dangling = TestNodes.<Integer, Integer>map("dangling", x -> x);
        source.subscribe(dangling);

        var error = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(source));

        assertEquals("step 'dangling' has no subscribers, so its items would be lost; subscribe a step or sink to it",
                error.getMessage());
    }

    @Test
    void rejectsASourceWithoutSubscribers() {
        var error = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(source(List.of(1))));
        assertTrue(error.getMessage().startsWith("source 'ListSource' has no subscribers"), error.getMessage());
    }

    @Test
    void rejectsANodeFedFromOutsideTheGivenSources() {
        var first = source(List.of(1));
        var forgotten = new TestNodes.ListSource<>(List.of(2), 8);
        var sink = new RecordingSink<Integer>();
        first.subscribe(sink);
        forgotten.subscribe(sink);

        var error = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(first));

        assertTrue(error.getMessage().startsWith("sink 'RecordingSink' is also fed by source '"), error.getMessage());
        assertTrue(error.getMessage().endsWith("which no source given to Pipeline.from reaches; pass its source too"));
    }

    @Test
    void rejectsBadSources() {
        assertEquals("sources must not be empty: pass the pipeline's sources",
                assertThrows(IllegalStateException.class, () -> Pipeline.from(List.of())).getMessage());
        assertEquals("sources[1] must not be null", assertThrows(NullPointerException.class,
                () -> Pipeline.from(source(List.of(1)), null)).getMessage());
        var foreign = new SubmissionPublisher<Integer>();
        var error = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(foreign));
        assertTrue(error.getMessage().startsWith("sources[0] is not a nanostream source: "), error.getMessage());
        foreign.close();
    }

    @Test
    void aNodeBelongsToOnePipeline() {
        var source = source(List.of(1));
        source.subscribe(new RecordingSink<>());
        Pipeline.from(source);

        var error = assertThrows(IllegalStateException.class, () -> Pipeline.from(source));

        assertEquals("source 'ListSource' already belongs to a pipeline; a node runs in one pipeline only",
                error.getMessage());
    }

    @Test
    void startsOnceAndAwaitsOnlyWhenStarted() throws Exception {
        var source = source(List.of(1));
        source.subscribe(new RecordingSink<>());
        try (var pipeline = Pipeline.from(source)) {
            assertEquals("pipeline 'ListSource' was not started: call start() first",
                    assertThrows(IllegalStateException.class, () -> pipeline.await(TIMEOUT)).getMessage());
            pipeline.start();
            assertTrue(assertThrows(IllegalStateException.class, pipeline::start).getMessage()
                    .startsWith("pipeline 'ListSource' cannot start: it is "));
            pipeline.await(TIMEOUT);
        }
    }

    @Test
    void awaitTimeoutNamesWhatIsStillRunning() throws Exception {
        var source = new AbstractSourceTest.Counter();
        var step = TestNodes.<Integer>identity(8);
        source.subscribe(step);
        step.subscribe(new RecordingSink<>());
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            var error = assertThrows(TimeoutException.class, () -> pipeline.await(Duration.ofMillis(50)));
            assertEquals("pipeline 'counter' did not finish within PT0.05S; state RUNNING;"
                    + " still running: source 'counter', sink 'RecordingSink'", error.getMessage());
        }
    }

    @Test
    void aStepFedByAForeignPublisherIsASource() throws Exception {
        // The publisher delivers on the caller's thread: it once deadlocked the first request.
        var foreign = new SubmissionPublisher<Integer>(Runnable::run, 16);
        var step = TestNodes.<Integer>identity(8);
        var sink = new RecordingSink<Integer>();
        foreign.subscribe(step);
        step.subscribe(sink);
        try (var pipeline = Pipeline.from(step)) {
            pipeline.start();
            for (int i = 0; i < 100; i++) {
                foreign.submit(i);
            }
            foreign.close();
            pipeline.await(TIMEOUT);
        }
        assertEquals(range(100), sink.items);
    }

    @Test
    void stoppingCancelsAForeignUpstreamAndCompletes() throws Exception {
        var upstream = new AbstractStepTest.HandDrivenPublisher<Integer>();
        var step = TestNodes.<Integer>identity(8);
        var sink = new RecordingSink<Integer>();
        upstream.subscribe(step);
        step.subscribe(sink);
        try (var pipeline = Pipeline.from(step)) {
            pipeline.start();
            upstream.awaitRequests(1);
            upstream.subscriber.onNext(7);
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
        assertTrue(upstream.cancelled);
        assertEquals(List.of(7), sink.items);
    }

    @Test
    void aForeignSubscriberDownstreamCountsAsDoneWhenItCompletes() throws Exception {
        var source = source(range(10));
        var received = new ArrayList<Integer>();
        var done = new CountDownLatch(1);
        source.subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Integer item) {
                received.add(item);
            }

            @Override
            public void onError(Throwable throwable) {
            }

            @Override
            public void onComplete() {
                done.countDown();
            }
        });
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        assertEquals(0, done.getCount());
        assertEquals(range(10), received);
    }

    @Test
    void closeReleasesEveryThread() throws Exception {
        var source = new AbstractSourceTest.Counter();
        var step = TestNodes.<Integer>identity(8);
        source.subscribe(step);
        step.subscribe(new RecordingSink<>());
        var pipeline = Pipeline.from(source);
        pipeline.start();
        assertTrue(source.running.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertTrue(pipelineThreads("counter") > 0);

        pipeline.close();

        assertEquals(0, pipelineThreads("counter"));
        assertEquals(Pipeline.State.COMPLETED, pipeline.state());
    }

    @Test
    void closeGivesUpOnASinkStuckInConsume() throws Exception {
        var source = new AbstractSourceTest.Counter();
        var stuck = new CountDownLatch(1);
        var sink = new RecordingSink<Integer>() {
            @Override
            protected void consume(Integer item) {
                stuck.countDown();
                try {
                    new CountDownLatch(1).await(); // never released: only an interrupt ends it
                } catch (InterruptedException e) {
                    throw new IllegalStateException("interrupted while stuck", e);
                }
            }
        };
        source.subscribe(sink);
        var pipeline = Pipeline.from(source);
        pipeline.start();
        assertTrue(stuck.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));

        pipeline.close(Duration.ofMillis(200)); // the source is blocked in emit behind the stuck sink

        assertEquals(Pipeline.State.FAILED, pipeline.state());
        assertEquals(0, pipelineThreads("counter"), "threads left behind");
    }

    @Test
    void closeIsIdempotentAndWorksOnANewPipeline() {
        var source = source(List.of(1));
        source.subscribe(new RecordingSink<>());
        var pipeline = Pipeline.from(source);
        pipeline.close();
        pipeline.close();
        assertTrue(assertThrows(IllegalStateException.class, pipeline::start).getMessage().endsWith("it is closed"));
    }

    @Test
    void twentyStepChainCompletesOnOneCpu() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-XX:ActiveProcessorCount=1", "-cp",
                System.getProperty("java.class.path"), TwentyStepChain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT) // the pipeline's log, in this test's output
                .start();
        try {
            assertTrue(child.waitFor(90, TimeUnit.SECONDS), "the 20-step chain hung on one CPU");
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, child.exitValue(), output);
            assertEquals("cpus=1 received=10000 inOrder=true", output);
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void manyShortPipelinesAtOnceLeaveNoThreadBehind() throws Exception {
        int pipelines = 1000;
        ExecutorService runners = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int i = 0; i < pipelines; i++) {
                results.add(runners.submit(PipelineTest::shortPipeline));
            }
            for (Future<List<Integer>> result : results) {
                assertEquals(range(20), result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            runners.shutdownNow();
        }
        assertEquals(0, pipelineThreads("stress"), "threads left behind");
    }

    private static List<Integer> shortPipeline() throws Exception {
        var source = new AbstractSource<Integer>("stress", 4) {
            @Override
            protected void produce() {
                range(20).forEach(this::emit);
            }
        };
        var step = TestNodes.<Integer>identity(4);
        var sink = new RecordingSink<Integer>();
        source.subscribe(step);
        step.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        return List.copyOf(sink.items);
    }

    private static long pipelineThreads(String pipelineName) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("nanostream-" + pipelineName + "-"))
                .count();
    }
}
