package io.nanostream.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link PipelineMeters} on Micrometer's simple registry: every node's figures and the pipeline's health. */
class PipelineMetersTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void eachNodesFiguresAndThePipelinesHealthAreMetersTaggedByPipelineNodeAndKind() throws Exception {
        var numbers = InMemorySource.<Integer>manual("numbers", 256);
        AbstractStep<Integer, Integer> enrich = Steps.mapAsyncByKey((Integer i) -> i % 2, 4,
                (Integer i) -> CompletableFuture.completedFuture(i * 10));
        enrich.named("enrich");
        var sink = new CollectingSink<Integer>();
        numbers.subscribe(enrich);
        enrich.subscribe(sink);
        var registry = new SimpleMeterRegistry();
        try (var pipeline = Pipeline.from(numbers).named("meters")) {
            new PipelineMeters(pipeline).bindTo(registry);
            assertEquals(0.0, registry.get("nanostream.pipeline.up").tag("pipeline", "meters").gauge().value(),
                    "not started");

            pipeline.start();
            numbers.push(1).push(2).push(3);
            sink.awaitCount(3, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while ((pipeline.metrics().node("CollectingSink").in() < 3 || pipeline.metrics().node("enrich").in() < 3)
                    && System.nanoTime() < deadline) {
                // each node counts an item once its own handling returned, which may be after the
                // item reached the next one (a fresh-clone run saw enrich at 2 with the sink at 3)
                new CountDownLatch(1).await(5, TimeUnit.MILLISECONDS);
            }

            assertEquals(1.0, registry.get("nanostream.pipeline.ready").tag("pipeline", "meters").gauge().value());
            assertEquals(3.0, registry.get("nanostream.node.out").tags("pipeline", "meters", "node", "numbers", "kind",
                    "source").functionCounter().count());
            assertEquals(3.0, registry.get("nanostream.node.in").tags("node", "enrich", "kind", "step").functionCounter()
                    .count());
            assertEquals(3.0, registry.get("nanostream.node.in").tags("node", "CollectingSink", "kind", "sink")
                    .functionCounter().count());
            assertEquals(0.0, registry.get("nanostream.step.calls.in.flight").tag("node", "enrich").gauge().value());
            assertEquals(-1.0, registry.get("nanostream.source.backlog").tag("node", "numbers").gauge().value(),
                    "a source that does not know its backlog");
            assertEquals(256.0, registry.get("nanostream.node.capacity").tag("node", "enrich").gauge().value());

            numbers.complete();
            pipeline.await(TIMEOUT);
            assertEquals(0.0, registry.get("nanostream.pipeline.up").tag("pipeline", "meters").gauge().value(),
                    "completed");
        }
    }

    @Test
    void aBinderNeedsAPipeline() {
        assertEquals("no pipeline to bind: give at least one",
                assertThrows(IllegalArgumentException.class, PipelineMeters::new).getMessage());
    }
}
