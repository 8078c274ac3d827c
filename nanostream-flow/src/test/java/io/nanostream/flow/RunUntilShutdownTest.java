package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.TIMEOUT;
import static io.nanostream.flow.TestNodes.range;
import static io.nanostream.flow.TestNodes.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Pipeline#runUntilShutdown}: a service's main that stops gracefully on SIGTERM and says how it ended. */
class RunUntilShutdownTest {

    @Test
    void aSigtermStopsTheServiceGracefullyEverythingEmittedIsConsumedAndTheJvmExits() throws Exception {
        Process service = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), CountingService.class.getName()).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (var out = new BufferedReader(new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null && !line.equals("running"); line = out.readLine()) {
                lines.add(line);
            }
            service.toHandle().destroy(); // SIGTERM; the handle, unlike the Process, leaves the output open
            assertTrue(service.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the service did not end: " + lines);
            out.lines().forEach(lines::add);
        } finally {
            service.destroyForcibly();
        }

        assertEquals(143, service.exitValue(), "SIGTERM's exit status, after the hook: " + lines);
        long emitted = figure(lines, "emitted ");
        assertTrue(emitted > 0, "the source said how many it emitted: " + lines);
        assertEquals(emitted, figure(lines, "consumed "), "every item emitted before the stop reached the sink: " + lines);
        assertEquals("afterwards COMPLETED", lines.get(lines.size() - 1), "what runs afterwards ran last, the pipeline"
                + " closed: " + lines);
    }

    /** The number on the line that starts with {@code prefix}, or -1 if no line does. */
    private static long figure(List<String> lines, String prefix) {
        return lines.stream().filter(line -> line.startsWith(prefix)).mapToLong(line -> Long.parseLong(line.substring(
                prefix.length()))).findFirst().orElse(-1);
    }

    @Test
    void returnsZeroForAPipelineThatCompletesAndOneForOneThatFails() throws Exception {
        var completing = source(range(100));
        var sink = new RecordingSink<Integer>();
        completing.subscribe(sink);
        assertEquals(0, Pipeline.from(completing).runUntilShutdown(TIMEOUT));
        assertEquals(100, sink.items.size());

        Pipeline pipeline = failingPipeline();
        assertEquals(1, pipeline.runUntilShutdown(TIMEOUT));
        assertEquals(Pipeline.State.FAILED, pipeline.state());
    }

    @Test
    void whatRunsAfterwardsRunsOnTheCallingThreadOnceThePipelineIsClosedAndItsFailureIsStatusOne() throws Exception {
        var completing = source(range(100));
        completing.subscribe(new RecordingSink<>());
        Pipeline pipeline = Pipeline.from(completing).named("afterwards-test");
        List<String> seen = new ArrayList<>();
        assertEquals(0, pipeline.runUntilShutdown(TIMEOUT, () -> seen.add(Thread.currentThread().getName() + " "
                + pipeline.state() + ", threads left: " + Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("nanostream-afterwards-test-")).count())));
        assertEquals(List.of(Thread.currentThread().getName() + " COMPLETED, threads left: 0"), seen,
                "ran on this thread, the pipeline closed");

        var again = source(range(100));
        again.subscribe(new RecordingSink<>());
        assertEquals(1, Pipeline.from(again).runUntilShutdown(TIMEOUT, () -> {
            throw new IllegalStateException("the pool would not close");
        }), "the pipeline completed, what ran afterwards failed");
    }

    @Test
    void whatRunsAfterwardsRunsAlsoWhenThePipelineFailed() throws Exception {
        Pipeline pipeline = failingPipeline();
        List<Pipeline.State> seen = new ArrayList<>();
        assertEquals(1, pipeline.runUntilShutdown(TIMEOUT, () -> seen.add(pipeline.state())));
        assertEquals(List.of(Pipeline.State.FAILED), seen);
    }

    /** A pipeline whose step fails on its 51st item. */
    private static Pipeline failingPipeline() {
        var failing = source(range(100));
        AbstractStep<Integer, Integer> poison = Steps.map(i -> {
            if (i == 50) {
                throw new IllegalArgumentException("poison " + i);
            }
            return i;
        });
        failing.subscribe(poison);
        poison.subscribe(new RecordingSink<>());
        return Pipeline.from(failing);
    }
}
