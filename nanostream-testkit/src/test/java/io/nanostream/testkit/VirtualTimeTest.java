package io.nanostream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Scheduler;
import io.nanostream.flow.Steps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The virtual clock itself: timers in order, sleeping, and what it refuses. */
class VirtualTimeTest {

    private final InMemorySource<Integer> source = InMemorySource.manual();
    private final Pipeline pipeline = pipelineOf(source);
    private final VirtualTime time = VirtualTime.of(pipeline, Instant.parse("2030-05-01T12:00:00Z"));

    private static Pipeline pipelineOf(InMemorySource<Integer> source) {
        source.subscribe(new CollectingSink<>());
        return Pipeline.from(source);
    }

    @AfterEach
    void close() {
        pipeline.close();
    }

    /** Issue 15: every kind of node reads the same clock, sources included. */
    @Test
    void aSourceReadsThePipelinesClockAsStepsAndSinksDo() throws Exception {
        CollectingSink<Long> sink = new CollectingSink<>();
        io.nanostream.flow.AbstractSource<Long> clockReader = new io.nanostream.flow.AbstractSource<>("clock", 16) {
            @Override
            protected void produce() {
                emit(scheduler().nanoTime());
            }
        };
        clockReader.subscribe(sink);
        try (Pipeline own = Pipeline.from(clockReader)) {
            VirtualTime.of(own);
            own.start();
            own.await(Duration.ofSeconds(20));
        }

        assertEquals(List.of(0L), sink.items(), "the virtual clock, which reads 0 until advanced");
    }

    @Test
    void movesOnlyWhenAdvanced() {
        assertEquals(Instant.parse("2030-05-01T12:00:00Z"), time.now());
        assertEquals(0, time.nanoTime());

        time.advance(Duration.ofMinutes(90));

        assertEquals(Instant.parse("2030-05-01T13:30:00Z"), time.now());
        assertEquals(Duration.ofMinutes(90), time.elapsed());
    }

    @Test
    void runsDueTimersInTimeOrderThenSchedulingOrder() {
        List<String> ran = new ArrayList<>();
        time.schedule(Duration.ofSeconds(2), () -> ran.add("2s at " + time.elapsed().toSeconds()));
        time.schedule(Duration.ofSeconds(1), () -> ran.add("1s first"));
        time.schedule(Duration.ofSeconds(1), () -> ran.add("1s second"));
        Scheduler.Task cancelled = time.schedule(Duration.ofSeconds(1), () -> ran.add("cancelled"));
        time.schedule(Duration.ofSeconds(3), () -> ran.add("3s"));
        assertTrue(cancelled.cancel());

        time.advance(Duration.ofSeconds(2));

        assertEquals(List.of("1s first", "1s second", "2s at 2"), ran);
        assertEquals(1, time.pendingTimers());
    }

    @Test
    void aTimerScheduledByATimerRunsInTheSameAdvanceIfDue() {
        List<Long> ran = new ArrayList<>();
        time.schedule(Duration.ofSeconds(1), () -> {
            ran.add(time.elapsed().toSeconds());
            time.schedule(Duration.ofSeconds(1), () -> ran.add(time.elapsed().toSeconds()));
        });

        time.advance(Duration.ofSeconds(5));

        assertEquals(List.of(1L, 2L), ran);
    }

    @Test
    void aSleeperWakesWhenTheClockReachesItsTime() throws Exception {
        pipeline.start();
        var woke = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            try {
                time.sleep(Duration.ofSeconds(10));
                woke.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        while (time.pendingTimers() == 0) {
            Thread.onSpinWait(); // until the sleeper has registered its wake-up
        }

        time.advance(Duration.ofSeconds(9));
        assertEquals(1, woke.getCount());
        time.advance(Duration.ofSeconds(1));

        assertTrue(woke.await(10, TimeUnit.SECONDS));
        waiter.join();
    }

    @Test
    void settlesThePipelineBeforeMovingTime() {
        AbstractStep<Integer, List<Integer>> batch = Steps.batch(2_000, Duration.ofSeconds(1));
        var manual = InMemorySource.<Integer>manual();
        var sink = new CollectingSink<List<Integer>>();
        manual.subscribe(batch);
        batch.subscribe(sink);
        try (var other = Pipeline.from(manual)) {
            var clock = VirtualTime.of(other);
            other.start();
            for (int i = 0; i < 1_000; i++) {
                manual.push(i);
            }

            clock.advance(Duration.ofSeconds(1)); // every push is batched before the second passes

            assertEquals(1, sink.items().size());
            assertEquals(1_000, sink.items().get(0).size());
        }
    }

    @Test
    void refusesToGoBackOrToDriveAStartedPipeline() {
        assertEquals("duration must not be negative: PT-1S",
                assertThrows(IllegalArgumentException.class, () -> time.advance(Duration.ofSeconds(-1))).getMessage());
        pipeline.start();
        assertThrows(IllegalStateException.class, () -> VirtualTime.of(pipeline));
    }
}
