package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static io.nanostream.flow.TestNodes.range;
import static io.nanostream.flow.TestNodes.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PipelineMetricsTest {

    /** The counters, with the busy time (a measurement) left out. */
    private static NodeMetrics counters(NodeMetrics metrics) {
        return new NodeMetrics(metrics.name(), metrics.kind(), metrics.in(), metrics.out(), metrics.errors(),
                metrics.retried(), metrics.skipped(), metrics.deadLettered(), metrics.queued(), metrics.capacity(),
                metrics.backlog(), metrics.alreadyProcessed(), Duration.ZERO, metrics.callsInFlight(),
                metrics.keysWaiting(), metrics.oldestCall());
    }

    @Test
    void countsWhatEachNodeTookAndEmitted() throws Exception {
        var source = source(range(10));
        AbstractStep<Integer, Integer> twice = Steps.<Integer, Integer>map(i -> 2 * i).named("twice");
        AbstractStep<Integer, Integer> small = Steps.<Integer>filter(i -> i < 10).named("small");
        var sink = new RecordingSink<Integer>();
        source.subscribe(twice);
        twice.subscribe(small);
        small.subscribe(sink);

        try (Pipeline pipeline = Pipeline.from(source)) {
            assertEquals(List.of(0L, 0L, 0L, 0L), pipeline.metrics().nodes().stream().map(NodeMetrics::in).toList());
            pipeline.start();
            pipeline.await(TIMEOUT);
            PipelineMetrics metrics = pipeline.metrics();

            assertEquals(Pipeline.State.COMPLETED, metrics.state());
            assertEquals(List.of("ListSource", "twice", "small", "RecordingSink"),
                    metrics.nodes().stream().map(NodeMetrics::name).toList());
            assertEquals(new NodeMetrics("ListSource", NodeMetrics.Kind.SOURCE, 10, 10, 0, 0, 0, 0, 0, 0, -1, 0,
                    Duration.ZERO, -1, -1, Duration.ZERO),
                    counters(metrics.node("ListSource")));
            assertEquals(new NodeMetrics("twice", NodeMetrics.Kind.STEP, 10, 10, 0, 0, 0, 0, 0, 256, -1, 0,
                    Duration.ZERO, -1, -1, Duration.ZERO),
                    counters(metrics.node("twice")));
            assertEquals(new NodeMetrics("small", NodeMetrics.Kind.STEP, 10, 5, 0, 0, 0, 0, 0, 0, -1, 0,
                    Duration.ZERO, -1, -1, Duration.ZERO),
                    counters(metrics.node("small")), "fed by a fused call: no buffer");
            assertEquals(new NodeMetrics("RecordingSink", NodeMetrics.Kind.SINK, 5, 0, 0, 0, 0, 0, 0, 0, -1, 0,
                    Duration.ZERO, -1, -1, Duration.ZERO),
                    counters(metrics.node("RecordingSink")));
            assertEquals(5e9 / metrics.elapsed().toNanos(), metrics.ratePerSecond("RecordingSink"), 1e-6);
            assertEquals(0, new PipelineMetrics("p", Pipeline.State.NEW, Duration.ZERO, metrics.nodes())
                    .ratePerSecond("RecordingSink"));
        }
    }

    @Test
    void countsErrorsRetriesSkipsAndDeadLetters() throws Exception {
        var source = source(range(6));
        var deadLetters = new RecordingSink<DeadLetter>();
        AbstractStep<Integer, Integer> odd = Steps.<Integer, Integer>map(i -> {
            if (i % 2 == 1) {
                throw new IllegalArgumentException("odd: " + i);
            }
            return i;
        }).named("even only");
        odd.withErrorPolicy(ErrorPolicy.retry(2, Duration.ofMillis(1)).orElse(ErrorPolicy.deadLetter(deadLetters)));
        var sink = new RecordingSink<Integer>();
        source.subscribe(odd);
        odd.subscribe(sink);

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
            NodeMetrics metrics = pipeline.metrics().node("even only");

            assertEquals(6, metrics.in());
            assertEquals(3, metrics.out());
            assertEquals(6, metrics.errors(), "three odd items, each tried twice");
            assertEquals(3, metrics.retried());
            assertEquals(3, metrics.deadLettered());
            assertEquals(0, metrics.skipped());
        }
    }

    @Test
    void showsTheItemsWaitingInFrontOfABusySink() throws Exception {
        var emittedAll = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var consuming = new CountDownLatch(1);
        var source = new AbstractSource<Integer>("numbers", 64) {
            @Override
            protected void produce() {
                range(10).forEach(this::emit);
                emittedAll.countDown();
            }
        };
        var sink = new RecordingSink<Integer>() {
            @Override
            protected void consume(Integer item) {
                consuming.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.consume(item);
            }
        };
        source.subscribe(sink);

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertTrue(emittedAll.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(consuming.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            NodeMetrics busy = pipeline.metrics().node("RecordingSink");

            assertEquals(0, busy.in(), "the item being consumed is not taken yet");
            assertEquals(10, busy.queued(), "nine buffered, and the one being consumed");
            assertEquals(64, busy.capacity());
            release.countDown();
            pipeline.await(TIMEOUT);
            assertEquals(0, pipeline.metrics().node("RecordingSink").queued());
        }
    }

    @Test
    void estimatesTheTimeANodesCodeSpentOnItems() throws Exception {
        var source = source(range(64));
        var slow = new AbstractStep<Integer, Integer>("slow", 256) {
            @Override
            protected void process(Integer item) {
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(1).toNanos()); // the work being timed
                emit(item);
            }
        };
        source.subscribe(slow);
        slow.subscribe(new RecordingSink<>());

        try (Pipeline pipeline = Pipeline.from(source)) {
            assertEquals(Duration.ZERO, pipeline.metrics().node("slow").busy(), "timing starts with the first snapshot");
            pipeline.start();
            pipeline.await(TIMEOUT);
            Duration busy = pipeline.metrics().node("slow").busy();

            assertTrue(busy.compareTo(Duration.ofMillis(48)) >= 0, "64 items of at least 1 ms each, sampled: " + busy);
            assertEquals(Duration.ZERO, pipeline.metrics().node("ListSource").busy());
        }
    }

    @Test
    void aPipelineNobodyWatchesIsNotTimed() throws Exception {
        var source = source(range(64));
        var step = TestNodes.<Integer>identity(256);
        step.named("unwatched");
        source.subscribe(step);
        step.subscribe(new RecordingSink<>());

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start(); // registers its MBean, which must not start the timing
            pipeline.await(TIMEOUT);

            assertEquals(Duration.ZERO, pipeline.metrics().node("unwatched").busy());
        }
    }

    @Test
    void countsWhatAStepTakesFromAPublisherOutsideNanostream() throws Exception {
        var foreign = new java.util.concurrent.SubmissionPublisher<Integer>(Runnable::run, 16);
        var step = TestNodes.<Integer>identity(8);
        step.named("entry");
        foreign.subscribe(step);
        step.subscribe(new RecordingSink<>());
        try (Pipeline pipeline = Pipeline.from(step)) {
            pipeline.start();
            for (int i = 0; i < 100; i++) {
                foreign.submit(i);
            }
            foreign.close();
            pipeline.await(TIMEOUT);

            assertEquals(100, pipeline.metrics().node("entry").in());
            assertEquals(100, pipeline.metrics().node("RecordingSink").in());
        }
    }

    @Test
    void anUnknownNodeIsNamedWithTheKnownOnes() {
        var source = source(range(1));
        source.subscribe(new RecordingSink<>());
        try (Pipeline pipeline = Pipeline.from(source).named("numbers")) {
            var error = assertThrows(NoSuchElementException.class, () -> pipeline.metrics().node("parse"));

            assertEquals("pipeline 'numbers' has no node named 'parse'; its nodes are [ListSource, RecordingSink]",
                    error.getMessage());
        }
    }
}
