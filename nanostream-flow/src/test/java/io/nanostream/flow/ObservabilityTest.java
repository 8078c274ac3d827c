package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static io.nanostream.flow.TestNodes.range;
import static io.nanostream.flow.TestNodes.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import javax.management.openmbean.TabularData;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/** What a pipeline shows without a metrics stack: its MBean, its Flight Recorder events, its log. */
class ObservabilityTest {

    /** Emits 0..9, then waits for the test before it ends. */
    private static final class HeldOpenSource extends AbstractSource<Integer> {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch emitted = new CountDownLatch(1);

        HeldOpenSource() {
            super("numbers", 256);
        }

        @Override
        protected void produce() throws InterruptedException {
            range(10).forEach(this::emit);
            emitted.countDown();
            release.await();
        }
    }

    /** numbers -> even (skips odd numbers, which it throws on) -> RecordingSink. */
    private static Pipeline pipeline(AbstractSource<Integer> source, String name) {
        AbstractStep<Integer, Integer> even = Steps.<Integer, Integer>map(i -> {
            if (i % 2 == 1) {
                throw new IllegalArgumentException("odd: " + i);
            }
            return i;
        }).named("even");
        even.withErrorPolicy(ErrorPolicy.skip());
        source.subscribe(even);
        even.subscribe(new RecordingSink<>());
        return Pipeline.from(source).named(name);
    }

    @Test
    void aRunningPipelineHasAReadOnlyMBeanThatGoesWhenItEnds() throws Exception {
        var source = new HeldOpenSource();
        var server = ManagementFactory.getPlatformMBeanServer();
        var name = new ObjectName("io.nanostream:type=Pipeline,name=\"mbean test\"");
        try (Pipeline pipeline = pipeline(source, "mbean test")) {
            pipeline.start();
            assertTrue(source.emitted.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));

            assertTrue(server.isRegistered(name));
            assertEquals("mbean test", server.getAttribute(name, "Name"));
            assertEquals("RUNNING", server.getAttribute(name, "State"));
            assertEquals(10L, server.getAttribute(name, "numbers.out"));
            TabularData nodes = (TabularData) server.getAttribute(name, "Nodes");
            assertEquals(3, nodes.size());
            assertEquals("STEP", nodes.get(new Object[] {"even"}).get("kind"));
            source.release.countDown();
            pipeline.await(TIMEOUT);
            assertFalse(server.isRegistered(name), "unregistered once the pipeline ended");
        }
    }

    @Test
    void aRecordingHoldsStateChangesAndItemFailures() throws Exception {
        Path file = Files.createTempFile("nanostream", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("io.nanostream.PipelineState");
            recording.enable("io.nanostream.ItemFailure");
            recording.start();
            var source = source(range(4));
            try (Pipeline pipeline = pipeline(source, "jfr test")) {
                pipeline.start();
                pipeline.await(TIMEOUT);
            }
            recording.stop();
            recording.dump(file);
        }

        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream() // in buffer order: sort by time
                .filter(e -> "jfr test".equals(e.getString("pipeline")))
                .sorted(java.util.Comparator.comparing(RecordedEvent::getStartTime)).collect(Collectors.toList());
        Files.delete(file);
        assertEquals(List.of("RUNNING", "COMPLETED"), events.stream()
                .filter(e -> e.getEventType().getName().equals("io.nanostream.PipelineState"))
                .map(e -> e.getString("state")).collect(Collectors.toList()));
        List<RecordedEvent> failures = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.nanostream.ItemFailure")).collect(Collectors.toList());
        assertEquals(List.of("1", "3"), failures.stream().map(e -> e.getString("item")).collect(Collectors.toList()));
        assertEquals("even", failures.get(0).getString("node"));
        assertEquals("skipped", failures.get(0).getString("outcome"));
        assertEquals("java.lang.IllegalArgumentException", failures.get(0).getClass("errorClass").getName());
    }

    @Test
    void aRecordingGetsEveryNodesMetricsPeriodically() throws Exception {
        var source = new HeldOpenSource();
        List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
        var all = new CountDownLatch(3);
        try (RecordingStream stream = new RecordingStream(); Pipeline pipeline = pipeline(source, "periodic test")) {
            stream.enable("io.nanostream.NodeMetrics").withPeriod(Duration.ofMillis(50));
            stream.onEvent("io.nanostream.NodeMetrics", event -> {
                if ("periodic test".equals(event.getString("pipeline")) && event.getLong("in") > 0) {
                    seen.add(event);
                    all.countDown();
                }
            });
            stream.startAsync();
            pipeline.start();
            assertTrue(source.emitted.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS));

            assertTrue(all.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "no metrics events for the three nodes: " + seen);
            source.release.countDown();
            pipeline.await(TIMEOUT);
        }
        RecordedEvent even = seen.stream().filter(e -> e.getString("node").equals("even")).findFirst().orElseThrow();
        assertEquals("STEP", even.getString("kind"));
        assertTrue(even.getLong("in") <= 10 && even.getLong("skipped") <= 5, even.toString());
    }

    /** Collects what the library's logger publishes at {@code FINE} and above while it is open. */
    private static final class LogCapture extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger("io.nanostream.flow");
        private final Level level = logger.getLevel();
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        LogCapture() {
            logger.setLevel(Level.FINE);
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        /** "LEVEL message" of the records that name {@code subject}. */
        List<String> about(String subject) {
            return records.stream().filter(r -> r.getMessage().contains(subject))
                    .map(r -> r.getLevel() + " " + r.getMessage()).collect(Collectors.toList());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(level);
        }
    }

    @Test
    void aRunThatCompletesLogsItsLifecycleAtDebugOnlySoTheConsoleStaysQuiet() throws Exception {
        try (LogCapture log = new LogCapture()) {
            try (Pipeline pipeline = pipeline(source(range(2)), "log test")) {
                pipeline.start();
                pipeline.await(TIMEOUT);
            }

            List<String> mine = log.about("'log test'");
            assertEquals(2, mine.size(), mine.toString());
            assertEquals("FINE pipeline 'log test' started: 1 source(s), 1 step(s), 1 sink(s)", mine.get(0));
            assertTrue(mine.get(1).matches("FINE pipeline 'log test' completed after \\d+\\.\\d{3} s"), mine.get(1));
            List<String> skipped = log.about("step 'even'");
            assertTrue(skipped.size() == 1 && skipped.get(0).startsWith("WARNING step 'even' skipped item \"1\""),
                    skipped.toString());
        }
    }

    @Test
    void aFailureTheCallerAwaitsIsNotLoggedAboveDebug() throws Exception {
        CountDownLatch fail = new CountDownLatch(1);
        try (LogCapture log = new LogCapture(); Pipeline pipeline = Pipeline.from(failing("failing source", fail))) {
            pipeline.start();
            CompletableFuture<Throwable> received = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    pipeline.await(TIMEOUT);
                    received.complete(null);
                } catch (Exception e) {
                    received.complete(e);
                }
            });
            caller.start();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (caller.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the caller waits inside await
            }
            fail.countDown();

            assertTrue(received.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS) instanceof PipelineException);
            List<String> mine = log.about("'failing source'");
            assertEquals(2, mine.size(), mine.toString());
            assertTrue(mine.get(1).startsWith("FINE pipeline 'failing source' failed after"), mine.get(1));
        }
    }

    @Test
    void aFailureNobodyAwaitsIsLoggedAtErrorWithItsStackTrace() throws Exception {
        try (LogCapture log = new LogCapture()) {
            CountDownLatch logged = new CountDownLatch(1);
            Handler ended = new Handler() {
                @Override
                public void publish(LogRecord record) {
                    if (record.getMessage().contains("failed after")) {
                        logged.countDown();
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            Logger.getLogger("io.nanostream.flow").addHandler(ended);
            try (Pipeline pipeline = Pipeline.from(failing("unwatched", new CountDownLatch(0)))) {
                pipeline.start();
                assertTrue(logged.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the failure was logged");
            } finally {
                Logger.getLogger("io.nanostream.flow").removeHandler(ended);
            }

            List<String> failed = log.about("failed after");
            assertEquals(1, failed.size(), failed.toString());
            assertTrue(failed.get(0).startsWith("SEVERE pipeline 'unwatched' failed after"), failed.get(0));
            assertTrue(log.records.stream().filter(r -> r.getMessage().contains("failed after")).findFirst()
                    .orElseThrow().getThrown() instanceof PipelineException, "with its stack trace");
        }
    }

    /** A source that fails once {@code when} opens. */
    private static AbstractSource<Integer> failing(String name, CountDownLatch when) {
        AbstractSource<Integer> source = new AbstractSource<>(name, 16) {
            @Override
            protected void produce() throws InterruptedException {
                when.await();
                throw new IllegalStateException("the input is gone");
            }
        };
        source.subscribe(new RecordingSink<>());
        return source;
    }
}
