package io.nanostream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InMemorySourceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void emitsTheGivenItemsInOrderThenCompletes() throws Exception {
        List<Integer> items = IntStream.range(0, 10_000).boxed().toList();
        var source = InMemorySource.from(items);
        var sink = new CollectingSink<Integer>();
        source.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        assertEquals(items, sink.items());
        assertTrue(sink.isCompleted());
    }

    @Test
    void readsAnIterableLazily() throws Exception {
        var source = InMemorySource.from(() -> IntStream.iterate(0, i -> i + 1).iterator()); // endless
        var sink = new CollectingSink<Integer>();
        source.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            assertEquals(List.of(0, 1, 2), sink.awaitCount(1000, TIMEOUT).subList(0, 3));
            pipeline.stop();
            pipeline.await(TIMEOUT);
        }
    }

    @Test
    void manualSourceEmitsWhatTheTestPushes() throws Exception {
        var source = InMemorySource.<String>manual();
        var sink = new CollectingSink<String>();
        source.subscribe(sink);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push("a").push("b");
            assertEquals(List.of("a", "b"), sink.awaitCount(2, TIMEOUT));
            source.push("c").complete();
            assertEquals(List.of("a", "b", "c"), sink.awaitCompletion(TIMEOUT));
            pipeline.await(TIMEOUT);
        }
    }

    @Test
    void failFailsThePipelineAfterTheItemsPushedBefore() throws Exception {
        var source = InMemorySource.<String>manual("orders", 16);
        var sink = new CollectingSink<String>();
        source.subscribe(sink);
        var boom = new IllegalStateException("broker gone");

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push("a").fail(boom);
            var failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertEquals("source 'orders' failed: java.lang.IllegalStateException: broker gone", failure.getMessage());
            assertEquals(boom, failure.getCause());
        }
        assertEquals(List.of("a"), sink.items());
        assertInstanceOf(PipelineException.class, sink.error().orElseThrow());
    }

    @Test
    void rejectsPushAfterCompleteAndNullItems() {
        var given = InMemorySource.of("a");
        assertEquals("cannot push: source 'InMemorySource' emits given items; use InMemorySource.manual() to push by hand",
                assertThrows(IllegalStateException.class, () -> given.push("b")).getMessage());
        var completed = InMemorySource.<String>manual().complete();
        assertEquals("cannot push: source 'InMemorySource' was already completed or failed",
                assertThrows(IllegalStateException.class, () -> completed.push("b")).getMessage());
        assertEquals("item", assertThrows(NullPointerException.class,
                () -> InMemorySource.<String>manual().push(null)).getMessage());
        assertEquals("items[1]", assertThrows(NullPointerException.class, () -> InMemorySource.of("a", null)).getMessage());
    }
}
