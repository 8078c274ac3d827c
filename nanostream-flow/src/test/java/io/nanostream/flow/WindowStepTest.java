package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Steps#window} on virtual time: "customer,amount" orders summed per customer. */
class WindowStepTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Instant MIDNIGHT = Instant.parse("2026-01-01T00:00:00Z");

    private final InMemorySource<String> source = InMemorySource.manual();
    private final CollectingSink<Windowed<String, Integer>> sink = new CollectingSink<>();
    private Pipeline pipeline;

    @AfterEach
    void close() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private VirtualTime start(Window window) {
        return start(sumPerCustomer(window));
    }

    private VirtualTime start(AbstractStep<String, Windowed<String, Integer>> step) {
        source.subscribe(step);
        step.subscribe(sink);
        pipeline = Pipeline.from(source);
        VirtualTime time = VirtualTime.of(pipeline);
        pipeline.start();
        return time;
    }

    private static AbstractStep<String, Windowed<String, Integer>> sumPerCustomer(Window window) {
        return Steps.window(order -> order.split(",")[0], window,
                Collectors.summingInt(order -> Integer.parseInt(order.split(",")[1])));
    }

    private static Windowed<String, Integer> windowed(String key, int sum, String start, String end, long count) {
        return new Windowed<>(key, sum, MIDNIGHT.plus(Duration.parse(start)), MIDNIGHT.plus(Duration.parse(end)), count);
    }

    @Test
    void aOneMinuteWindowClosesOnTheMinuteWithOneResultPerKey() {
        VirtualTime time = start(Window.ofTime(Duration.ofMinutes(1)));
        time.advance(Duration.ofSeconds(10));
        source.push("alice,5").push("bob,2").push("alice,7");

        time.advance(Duration.ofSeconds(49));
        assertEquals(List.of(), sink.items());

        time.advance(Duration.ofSeconds(1));
        assertEquals(List.of(windowed("alice", 12, "PT0S", "PT1M", 2), windowed("bob", 2, "PT0S", "PT1M", 1)),
                sink.items());
    }

    @Test
    void anItemAtTheEndOfAWindowOpensTheNext() {
        VirtualTime time = start(Window.ofTime(Duration.ofMinutes(1)));
        source.push("alice,1");
        time.advance(Duration.ofMinutes(1));
        source.push("alice,2");
        time.advance(Duration.ofSeconds(59));
        assertEquals(List.of(windowed("alice", 1, "PT0S", "PT1M", 1)), sink.items());

        time.advance(Duration.ofSeconds(1));

        assertEquals(List.of(windowed("alice", 1, "PT0S", "PT1M", 1), windowed("alice", 2, "PT1M", "PT2M", 1)),
                sink.items());
    }

    /** Why processing-time windows are not replay-safe (docs/GUARANTEES.md). */
    @Test
    void aReplayedItemLandsInTheWindowOfItsSecondArrival() {
        VirtualTime time = start(Window.ofTime(Duration.ofMinutes(1)));
        source.push("alice,5");
        time.advance(Duration.ofMinutes(1));
        source.push("alice,5"); // the same record, read again after a crash

        time.advance(Duration.ofMinutes(1));

        assertEquals(List.of(windowed("alice", 5, "PT0S", "PT1M", 1), windowed("alice", 5, "PT1M", "PT2M", 1)),
                sink.items());
    }

    @Test
    void emptyWindowsEmitNothing() {
        VirtualTime time = start(Window.ofTime(Duration.ofMinutes(1)));
        time.advance(Duration.ofMinutes(10));
        source.push("bob,3");
        time.advance(Duration.ofMinutes(10));

        assertEquals(List.of(windowed("bob", 3, "PT10M", "PT11M", 1)), sink.items());
    }

    @Test
    void openWindowsAreEmittedAtTheEndOfInput() throws Exception {
        VirtualTime time = start(Window.ofTime(Duration.ofMinutes(1)));
        source.push("alice,1");
        time.advance(Duration.ofSeconds(20));
        source.push("bob,2").complete();

        awaitEnd();

        assertEquals(List.of(windowed("alice", 1, "PT0S", "PT20S", 1), windowed("bob", 2, "PT0S", "PT20S", 1)),
                sink.items());
    }

    @Test
    void countWindowsCloseWhenTheKeyHasEnoughItems() throws Exception {
        VirtualTime time = start(Window.ofCount(2));
        source.push("alice,1").push("bob,10");
        time.advance(Duration.ofSeconds(5));
        source.push("alice,2").push("bob,20").push("alice,3").complete();

        awaitEnd();

        assertEquals(List.of(windowed("alice", 3, "PT0S", "PT5S", 2), windowed("bob", 30, "PT0S", "PT5S", 2),
                windowed("alice", 3, "PT5S", "PT5S", 1)), sink.items());
    }

    @Test
    void tooManyKeysFailsTheItemNamingTheBound() {
        start(Window.ofCount(10).maxKeys(2));
        source.push("a,1").push("b,1").push("c,1").complete();

        var failure = assertThrows(PipelineException.class, this::awaitEnd);

        assertTrue(failure.getMessage().contains("cannot open a window for key \"c\": 2 keys are open"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("Window.maxKeys(...)"), failure.getMessage());
    }

    @Test
    void tooManyKeysGoesThroughTheErrorPolicy() throws Exception {
        start(sumPerCustomer(Window.ofCount(10).maxKeys(2)).withErrorPolicy(ErrorPolicy.skip()));
        source.push("a,1").push("b,1").push("c,1").push("a,2").complete();

        awaitEnd();

        assertEquals(Map.of("a", 3, "b", 1), sums());
        assertEquals(List.of("c,1", "a,1", "a,2", "b,1"), source.awaitAllAcknowledged(TIMEOUT)); // c at once
    }

    @Test
    void whenFullTheOldestKeyIsEmittedEarly() throws Exception {
        start(Window.ofCount(10).maxKeys(2).emitEarlyWhenFull());
        source.push("a,1").push("b,1").push("a,2").push("c,1");
        source.complete();

        awaitEnd();

        assertEquals(List.of("a", "b", "c"), sink.items().stream().map(Windowed::key).collect(Collectors.toList()));
        assertEquals(Map.of("a", 3, "b", 1, "c", 1), sums());
    }

    private Map<String, Integer> sums() {
        return sink.items().stream().collect(Collectors.toMap(Windowed::key, Windowed::value));
    }

    private void awaitEnd() throws Exception {
        pipeline.await(TIMEOUT);
    }
}
