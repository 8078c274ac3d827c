package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** {@link Pipeline#health()}: up, ready, and the reasons when not, judged on a clock the test moves. */
class PipelineHealthTest {

    /** The pipeline's time, moved by the test; timers and sleeps take real time. */
    private static final class HandClock implements Scheduler {
        private final AtomicLong nanos = new AtomicLong();
        private final SystemScheduler real = new SystemScheduler("health-test");

        void advance(Duration duration) {
            nanos.addAndGet(duration.toNanos());
        }

        @Override
        public long nanoTime() {
            return nanos.get();
        }

        @Override
        public Instant now() {
            return Instant.EPOCH.plusNanos(nanos.get());
        }

        @Override
        public Task schedule(Duration delay, Runnable task) {
            return real.schedule(delay, task);
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            real.sleep(duration);
        }
    }

    /** Emits 0, 1, 2, ... as the test lets them through; says what the test sets of its backlog and readiness. */
    private static final class GatedSource extends AbstractSource<Integer> {
        final Semaphore permits = new Semaphore(0);
        volatile long backlog = -1;
        volatile String notReady;

        GatedSource() {
            super("gated", 256);
        }

        @Override
        protected void produce() throws InterruptedException {
            for (int i = 0; ; i++) {
                while (!permits.tryAcquire(10, TimeUnit.MILLISECONDS)) {
                    if (isStopping()) {
                        return;
                    }
                }
                emit(i);
            }
        }

        @Override
        protected long backlog() {
            return backlog;
        }

        @Override
        protected String notReadyReason() {
            return notReady;
        }
    }

    /** A sink that holds its first item until the test lets it go. */
    private static final class HoldingSink extends RecordingSink<Integer> {
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        protected void consume(Integer item) {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.consume(item);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + " within " + TIMEOUT);
            }
            new CountDownLatch(1).await(5, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void aRunningPipelineIsReadyAndSaysWhyWhenItStandsStillFallsBehindOrANodeCannotWork() throws Exception {
        var source = new GatedSource();
        var sink = new RecordingSink<Integer>();
        source.subscribe(sink);
        var clock = new HandClock();
        try (var pipeline = Pipeline.from(source).named("health").withScheduler(clock)) {
            assertEquals(new PipelineHealth("health", false, false, List.of("pipeline 'health' has not started")),
                    pipeline.health());
            pipeline.start();
            assertEquals(new PipelineHealth("health", true, true, List.of()), pipeline.health());

            source.notReady = "source 'gated' has no partitions yet: it is joining its group 'g'";
            assertEquals(new PipelineHealth("health", true, false, List.of(source.notReady)), pipeline.health());
            source.notReady = null;

            source.backlog = 1_000;
            clock.advance(Duration.ofSeconds(4));
            assertEquals(List.of(), pipeline.health().reasons(), "4 s is too short a time to judge");
            clock.advance(Duration.ofSeconds(2));
            assertEquals(List.of("source 'gated' read nothing in the last 6 s, with 1000 records waiting: a step or"
                    + " sink downstream is stuck, or the source cannot fetch"), pipeline.health().reasons());

            source.permits.release(50);
            await(() -> sink.items.size() == 50, "50 items consumed");
            source.backlog = 1_000_000;
            clock.advance(Duration.ofSeconds(5));
            assertEquals(List.of("source 'gated' is far behind: 1000000 records wait, 100000 s at its rate of 10/s"),
                    pipeline.health().reasons());

            source.permits.release(50);
            await(() -> sink.items.size() == 100, "100 items consumed");
            source.backlog = 5;
            clock.advance(Duration.ofSeconds(5));
            assertEquals(new PipelineHealth("health", true, true, List.of()), pipeline.health(), "caught up");

            pipeline.stop();
            pipeline.await(TIMEOUT);
            assertEquals(new PipelineHealth("health", false, false, List.of("pipeline 'health' completed: its sources"
                    + " ended")), pipeline.health());
        }
    }

    @Test
    void aStoppingPipelineIsUpButNotReadyAndAFailedOneIsDownWithItsFailure() throws Exception {
        var source = new GatedSource();
        var sink = new HoldingSink();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source).named("stopping")) {
            pipeline.start();
            source.permits.release(1);
            assertTrue(sink.holding.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the sink holds the item");
            pipeline.stop(); // the sink holds the item: the pipeline cannot end yet
            assertEquals(new PipelineHealth("stopping", true, false, List.of("pipeline 'stopping' is stopping")),
                    pipeline.health());
            sink.release.countDown();
            pipeline.await(TIMEOUT);
        }

        var failing = new GatedSource();
        AbstractStep<Integer, Integer> poison = Steps.map(i -> {
            throw new IllegalArgumentException("poison " + i);
        });
        failing.subscribe(poison);
        poison.named("poison").subscribe(new RecordingSink<>());
        try (var pipeline = Pipeline.from(failing).named("failing")) {
            pipeline.start();
            failing.permits.release(1);
            await(() -> pipeline.state() == Pipeline.State.FAILED, "the pipeline failed");
            PipelineHealth health = pipeline.health();
            assertFalse(health.up());
            assertFalse(health.ready());
            assertTrue(health.reasons().get(0).startsWith("pipeline 'failing' failed: ")
                    && health.reasons().get(0).contains("poison 0"), health.reasons().toString());
        }
    }

    @Test
    void aStepThatFailsEveryItemMakesThePipelineNotReady() throws Exception {
        var source = new GatedSource();
        AbstractStep<Integer, Integer> flaky = Steps.map(i -> {
            throw new IllegalStateException("the service is down");
        });
        flaky.named("enrich").withErrorPolicy(ErrorPolicy.retry(1_000_000, Duration.ofMillis(5)));
        source.subscribe(flaky);
        flaky.subscribe(new RecordingSink<>());
        var clock = new HandClock();
        try (var pipeline = Pipeline.from(source).named("retrying").withScheduler(clock)) {
            pipeline.start();
            source.permits.release(1);
            assertTrue(pipeline.health().ready(), "the first look");
            long errors = pipeline.metrics().node("enrich").errors();
            await(() -> pipeline.metrics().node("enrich").errors() > errors + 2, "more failed attempts");
            clock.advance(Duration.ofSeconds(5));

            PipelineHealth health = pipeline.health();
            assertFalse(health.ready());
            assertTrue(health.reasons().size() == 1 && health.reasons().get(0).startsWith("step 'enrich' failed every"
                    + " item in the last 5 s: "), health.reasons().toString());
            pipeline.close(Duration.ofMillis(200)); // the retries would go on for the 30 s of a plain close
        }
    }

    @Test
    void aStepThatSkipsEveryItemAsFailedMakesThePipelineNotReady() throws Exception {
        var source = new GatedSource();
        AbstractStep<Integer, Integer> parse = Steps.map(i -> {
            throw new IllegalArgumentException("not a number: " + i);
        });
        parse.named("parse").withErrorPolicy(ErrorPolicy.skip());
        source.subscribe(parse);
        parse.subscribe(new RecordingSink<>());
        var clock = new HandClock();
        try (var pipeline = Pipeline.from(source).named("skipping").withScheduler(clock)) {
            pipeline.start();
            assertTrue(pipeline.health().ready(), "the first look");
            source.permits.release(20);
            await(() -> pipeline.metrics().node("parse").skipped() == 20, "20 items skipped");
            clock.advance(Duration.ofSeconds(5));

            assertEquals(List.of("step 'parse' failed every item in the last 5 s: 20 errors, 0 retried, 20 skipped or"
                    + " dead-lettered, none done; see its error policy's log or dead letters"), pipeline.health().reasons());
        }
    }
}
