package io.nanostream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollectingSinkTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void awaitCountTimesOutSayingWhatArrived() throws Exception {
        var source = InMemorySource.<Integer>manual();
        var sink = new CollectingSink<Integer>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push(1).push(2);
            sink.awaitCount(2, TIMEOUT);

            var error = assertThrows(AssertionError.class, () -> sink.awaitCount(3, Duration.ofMillis(20)));

            assertEquals("timed out after PT0.02S waiting for 3 items; received 2 items: [1, 2]", error.getMessage());
            source.complete();
        }
    }

    @Test
    void awaitCountFailsAtOnceWhenTheInputEndsShort() {
        var source = InMemorySource.of(1);
        var sink = new CollectingSink<Integer>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();

            var error = assertThrows(AssertionError.class, () -> sink.awaitCount(5, TIMEOUT));

            assertEquals("expected 5 items but the input completed; received 1 item: [1]", error.getMessage());
        }
    }

    @Test
    void awaitCompletionFailsWhenTheInputFailed() throws Exception {
        var source = InMemorySource.<Integer>manual();
        var sink = new CollectingSink<Integer>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            source.push(1).fail(new IllegalStateException("boom"));

            var error = assertThrows(AssertionError.class, () -> sink.awaitCompletion(TIMEOUT));

            assertTrue(error.getMessage().startsWith("expected completion but the input failed with "
                    + "io.nanostream.flow.PipelineException: source 'InMemorySource' failed"), error.getMessage());
            assertTrue(error.getMessage().endsWith("; received 1 item: [1]"), error.getMessage());
            assertTrue(sink.awaitError(TIMEOUT) instanceof PipelineException);
            assertFalse(sink.isCompleted());
        }
    }

    @Test
    void awaitErrorFailsWhenTheInputCompleted() {
        var source = InMemorySource.of("a");
        var sink = new CollectingSink<String>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();

            var error = assertThrows(AssertionError.class, () -> sink.awaitError(TIMEOUT));

            assertEquals("expected an error but the input completed; received 1 item: [a]", error.getMessage());
        }
    }

    @Test
    void showsOnlyTheLastTenItemsOfALongInput() {
        var source = InMemorySource.from(java.util.stream.IntStream.range(0, 25).boxed().toList());
        var sink = new CollectingSink<Integer>();
        source.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();

            var error = assertThrows(AssertionError.class, () -> sink.awaitCount(30, TIMEOUT));

            assertEquals("expected 30 items but the input completed; received 25 items, the last 10: "
                    + "[15, 16, 17, 18, 19, 20, 21, 22, 23, 24]", error.getMessage());
            assertEquals(List.of(0, 1, 2), sink.items().subList(0, 3));
        }
    }
}
