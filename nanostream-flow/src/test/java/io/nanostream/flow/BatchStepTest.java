package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Steps#batch} on virtual time. */
class BatchStepTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final InMemorySource<Integer> source = InMemorySource.manual();
    private final AbstractStep<Integer, List<Integer>> batch = Steps.batch(3, Duration.ofMinutes(1));
    private final CollectingSink<List<Integer>> sink = new CollectingSink<>();
    private Pipeline pipeline;
    private VirtualTime time;

    @BeforeEach
    void start() {
        source.subscribe(batch);
        batch.subscribe(sink);
        pipeline = Pipeline.from(source);
        time = VirtualTime.of(pipeline);
        pipeline.start();
    }

    @AfterEach
    void close() {
        pipeline.close();
    }

    @Test
    void emitsFullBatchesAtOnceAndTheRestWhenMaxWaitHasPassed() {
        List.of(1, 2, 3, 4, 5, 6, 7).forEach(source::push);

        time.advance(Duration.ofSeconds(59));
        assertEquals(List.of(List.of(1, 2, 3), List.of(4, 5, 6)), sink.items());

        time.advance(Duration.ofSeconds(1));
        assertEquals(List.of(List.of(1, 2, 3), List.of(4, 5, 6), List.of(7)), sink.items());
    }

    @Test
    void maxWaitCountsFromTheFirstItemOfTheBatch() {
        source.push(1);
        time.advance(Duration.ofSeconds(30));
        source.push(2);
        time.advance(Duration.ofSeconds(29));
        assertEquals(List.of(), sink.items());

        time.advance(Duration.ofSeconds(1));
        assertEquals(List.of(List.of(1, 2)), sink.items());

        source.push(3); // a new batch, with a new deadline
        time.advance(Duration.ofSeconds(59));
        assertEquals(List.of(List.of(1, 2)), sink.items());
        time.advance(Duration.ofSeconds(1));
        assertEquals(List.of(List.of(1, 2), List.of(3)), sink.items());
    }

    @Test
    void aFullBatchCancelsItsTimer() {
        List.of(1, 2, 3).forEach(source::push);
        time.settle();

        assertEquals(0, time.pendingTimers());
        source.push(4);
        time.advance(Duration.ofSeconds(59));
        time.advance(Duration.ofSeconds(1));
        assertEquals(List.of(List.of(1, 2, 3), List.of(4)), sink.items());
    }

    @Test
    void flushesAtTheEndOfInput() throws Exception {
        source.push(1).push(2).complete();

        pipeline.await(TIMEOUT);

        assertEquals(List.of(List.of(1, 2)), sink.items());
        assertTrue(sink.isCompleted());
    }

    @Test
    void acknowledgesItemsOnlyWhenTheirBatchIsConsumed() {
        source.push(1).push(2);
        time.settle();
        assertEquals(List.of(), source.acknowledged());

        time.advance(Duration.ofMinutes(1));

        assertEquals(List.of(1, 2), source.acknowledged());
    }
}
