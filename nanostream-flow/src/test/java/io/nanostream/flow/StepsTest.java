package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The factories check their arguments with messages that name them, and name their steps. */
class StepsTest {

    @Test
    void argumentsAreChecked() {
        assertEquals("maxSize must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> Steps.batch(0, Duration.ofSeconds(1))).getMessage());
        assertEquals("maxWait must be positive: PT-1S",
                assertThrows(IllegalArgumentException.class, () -> Steps.batch(1, Duration.ofSeconds(-1))).getMessage());
        assertEquals("permits must be positive: -1",
                assertThrows(IllegalArgumentException.class, () -> Steps.throttle(-1, Duration.ofSeconds(1))).getMessage());
        assertEquals("parallelism must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> Steps.mapAsync(0, x -> null)).getMessage());
        assertEquals("count must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> Steps.partition(0, x -> x)).getMessage());
        assertEquals("function must not be null",
                assertThrows(NullPointerException.class, () -> Steps.map(null)).getMessage());
        assertEquals("size must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> Window.ofCount(0)).getMessage());
        assertEquals("maxKeys must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> Window.ofCount(1).maxKeys(0)).getMessage());
        assertEquals("window must not be null", assertThrows(NullPointerException.class,
                () -> Steps.window(x -> x, null, Collectors.counting())).getMessage());
    }

    @Test
    void stepsAreNamedForWhatTheyDoAndCanBeRenamed() {
        assertEquals(List.of("map", "filter", "flatMap", "batch", "window", "throttle", "mapAsync",
                "mapAsyncUnordered", "merge", "broadcast", "parse"), List.of(Steps.map(x -> x).name(),
                Steps.filter(x -> true).name(), Steps.flatMap(List::of).name(),
                Steps.batch(1, Duration.ofSeconds(1)).name(),
                Steps.window(x -> x, Window.ofCount(1), Collectors.counting()).name(),
                Steps.throttle(1, Duration.ofSeconds(1)).name(), Steps.mapAsync(1, x -> null).name(),
                Steps.mapAsyncUnordered(1, x -> null).name(), Steps.merge().name(), Steps.broadcast().name(),
                Steps.map(x -> x).named("parse").name()));
        assertEquals("outlet 'lanes[1]'", Steps.partition(2, x -> x).named("lanes").output(1).toString());
    }

    @Test
    void aMapFunctionThatReturnsNullFailsNamingTheItem() {
        var source = TestNodes.source(List.of("a"));
        AbstractStep<String, String> step = Steps.map(x -> null);
        source.subscribe(step);
        step.subscribe(new TestNodes.RecordingSink<>());

        var failure = assertThrows(PipelineException.class, () -> TestNodes.run(source));

        assertEquals("the function of step 'map' returned null for \"a\"; return a value, or drop items with filter"
                + " or flatMap", failure.getCause().getMessage());
    }
}
