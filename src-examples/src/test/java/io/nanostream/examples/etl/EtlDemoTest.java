package io.nanostream.examples.etl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nanostream.kafka.broker.EmbeddedKafka;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the ETL demo as a user would: on embedded defaults, against given servers, and stopped early. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class EtlDemoTest {

    private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    /** Checks what every run must show: nothing lost, nothing counted twice. */
    private static void assertConsistent(EtlDemo.Summary summary) {
        assertTrue(summary.orders() > 0, "nothing generated: " + summary);
        assertEquals(summary.generated(), summary.read(), "every generated message read: " + summary);
        assertTrue(summary.tableMatches(), "the table holds what was generated: " + summary);
        assertEquals(summary.malformed(), summary.deadLetters(), "one dead letter per malformed message: " + summary);
        assertTrue(summary.outputMatches(), "the output topic holds what was generated: " + summary);
        assertEquals(summary.table().rows(), summary.output().records(), "a record per row: " + summary);
        assertEquals(summary.read(), summary.committed(), "the offsets of all that was read committed: " + summary);
    }

    @Test
    void onEmbeddedDefaultsTheTableAndTopicsHoldWhatWasGenerated() throws Exception {
        var console = new ByteArrayOutputStream();

        EtlDemo.Summary summary = EtlDemo.run(EtlDemo.Options.parse("--duration", "5", "--rate", "300"),
                new CountDownLatch(1), new PrintStream(console, true, StandardCharsets.UTF_8));

        assertConsistent(summary);
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("ready at 127.0.0.1:"), printed);
        assertTrue(printed.contains("etl 2s RUNNING | kafka "), printed);
        assertTrue(printed.contains("(all that was generated)"), printed);
        assertTrue(printed.contains("(one per malformed message)"), printed);
    }

    @Test
    void givenKafkaAndADatabaseItUsesThem() throws Exception {
        try (var connection = DriverManager.getConnection(POSTGRES)) {
            assertTrue(connection.isValid(5));
        } catch (SQLException e) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("PostgreSQL is not reachable at " + POSTGRES + "; CI=true requires it", e);
            }
            Assumptions.abort("PostgreSQL is not reachable at " + POSTGRES + " (" + e.getMessage() + "); CI=true makes this test mandatory");
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            var console = new ByteArrayOutputStream();

            EtlDemo.Summary summary = EtlDemo.run(EtlDemo.Options.parse("--bootstrap-servers", kafka.bootstrapServers(),
                    "--jdbc-url", POSTGRES, "--duration", "3", "--rate", "300"), new CountDownLatch(1),
                    new PrintStream(console, true, StandardCharsets.UTF_8));

            assertConsistent(summary);
            String printed = console.toString(StandardCharsets.UTF_8);
            assertTrue(!printed.contains("embedded"), printed);
            assertTrue(printed.contains("database: " + POSTGRES), printed);
        }
    }

    @Test
    void aStopRequestEndsTheRunGracefullyCommittingWhatIsWrittenAndLeavingOpenWindowsToTheNextRun() throws Exception {
        var stop = new CountDownLatch(1);
        var progress = new LineWatcher("etl 8s RUNNING"); // a 5 s window has closed by then

        EtlDemo.Summary summary = runInBackground(() -> EtlDemo.run(EtlDemo.Options.parse("--duration", "600"), stop,
                new PrintStream(progress, true, StandardCharsets.UTF_8)), progress, stop);

        long written = summary.table().orders() + summary.table().payments() + summary.table().shipments();
        assertTrue(summary.read() > 0 && summary.read() <= summary.generated(), summary.toString());
        assertTrue(written > 0, "the first windows closed and were written: " + summary);
        assertTrue(written + summary.deadLetters() < summary.read(), "the windows open at the stop are not written: "
                + summary);
        assertTrue(summary.committed() <= written + summary.deadLetters(), "nothing of an unwritten window committed: "
                + summary);
        assertTrue(summary.committed() >= written, "what was written is committed: " + summary);
        assertEquals(summary.table().rows(), summary.output().records(), "a record per row: " + summary);
    }

    @Test
    void ctrlCInTheTerminalStopsTheProgramGracefully() throws Exception {
        Process demo = EmbeddedKafka.java(EtlDemo.class.getName(), "--duration", "600").start();
        List<String> lines = new ArrayList<>();
        try (var out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
                if (line.startsWith("etl 2s RUNNING")) {
                    // SIGTERM runs the shutdown hooks, as Ctrl-C's SIGINT does; the handle leaves the output open
                    demo.toHandle().destroy();
                }
            }
        } finally {
            if (!demo.waitFor(2, TimeUnit.MINUTES)) {
                demo.destroyForcibly();
            }
        }

        String printed = String.join("\n", lines);
        // the pipeline's shutdown hook stopped the ETL, then ran the demo's report before the JVM exited
        assertTrue(printed.contains("stopping (Ctrl-C): generated ") && printed.contains("; the ETL has stopped"), printed);
        assertEquals(143, demo.exitValue(), "SIGTERM's status: " + printed);
        assertTrue(printed.contains("summary:"), printed);
        assertTrue(printed.contains("  dead letters  "), printed);
    }

    interface Run {
        EtlDemo.Summary run() throws Exception;
    }

    /** Runs the demo on another thread, opens {@code stop} once the watched line was printed, and returns its summary. */
    private static EtlDemo.Summary runInBackground(Run demo, LineWatcher watcher, CountDownLatch stop) throws Exception {
        var result = new java.util.concurrent.CompletableFuture<EtlDemo.Summary>();
        Thread runner = new Thread(() -> {
            try {
                result.complete(demo.run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "etl-demo");
        runner.start();
        assertTrue(watcher.seen.await(2, TimeUnit.MINUTES), "the progress line never came:\n" + watcher);
        stop.countDown();
        return result.get(2, TimeUnit.MINUTES);
    }

    /** A console that opens a latch when a line starting with the given text is printed. */
    private static final class LineWatcher extends OutputStream {
        private final String start;
        private final StringBuilder text = new StringBuilder();
        private int lineStart;
        final CountDownLatch seen = new CountDownLatch(1);

        LineWatcher(String start) {
            this.start = start;
        }

        @Override
        public synchronized void write(int b) {
            text.append((char) b);
            if (b == '\n') {
                if (text.substring(lineStart).startsWith(start)) {
                    seen.countDown();
                }
                lineStart = text.length();
            }
        }

        @Override
        public synchronized String toString() {
            return text.toString();
        }
    }
}
