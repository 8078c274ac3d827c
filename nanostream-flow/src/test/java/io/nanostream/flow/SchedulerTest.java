package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The system scheduler, and the one a pipeline owns. */
class SchedulerTest {

    @Test
    void runsATaskAfterItsDelayUnlessCancelled() throws Exception {
        var scheduler = new SystemScheduler("test");
        try {
            var ran = new CountDownLatch(1);
            var cancelled = new CountDownLatch(1);
            long before = scheduler.nanoTime();
            scheduler.schedule(Duration.ofMillis(20), ran::countDown);
            Scheduler.Task task = scheduler.schedule(Duration.ofMillis(10), cancelled::countDown);

            assertTrue(task.cancel());
            assertTrue(ran.await(10, TimeUnit.SECONDS));
            assertTrue(scheduler.nanoTime() - before >= TimeUnit.MILLISECONDS.toNanos(20));
            assertFalse(cancelled.await(0, TimeUnit.MILLISECONDS));
        } finally {
            scheduler.shutdown();
        }
    }

    @Test
    void aPipelineShutsItsTimerThreadDownOnClose() throws Exception {
        var source = TestNodes.source(List.of(1, 2, 3));
        AbstractStep<Integer, List<Integer>> batch = Steps.batch(2, Duration.ofHours(1));
        var sink = new TestNodes.RecordingSink<List<Integer>>();
        source.subscribe(batch);
        batch.subscribe(sink);

        String name = "timed-" + java.util.UUID.randomUUID(); // not another test's pipeline
        try (var pipeline = Pipeline.from(source).named(name)) {
            pipeline.start();
            pipeline.await(TestNodes.TIMEOUT);
        }

        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("nanostream-" + name + "-timer") && t.isAlive()));
        assertTrue(sink.items.equals(List.of(List.of(1, 2), List.of(3))), sink.items.toString());
    }
}
