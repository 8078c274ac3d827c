package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link Steps#partition}: by key to lanes that run in parallel, merged again. */
class PartitionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** An item of a key, and the lane that handled it. */
    private record Keyed(String key, int sequence, int lane) {
    }

    private static void run(InMemorySource<?> source) throws Exception {
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
    }

    @Test
    void eachKeyKeepsToOneLaneAndItsOrder() throws Exception {
        List<Keyed> items = IntStream.range(0, 1_000).mapToObj(i -> new Keyed("customer-" + i % 17, i, -1))
                .collect(Collectors.toList());
        var source = InMemorySource.from(items);
        Partition<Keyed> lanes = Steps.partition(4, Keyed::key);
        AbstractStep<Keyed, Keyed> merge = Steps.merge();
        var sink = new CollectingSink<Keyed>();
        source.subscribe(lanes);
        for (int lane = 0; lane < 4; lane++) {
            int index = lane;
            AbstractStep<Keyed, Keyed> mark = Steps.map(item -> new Keyed(item.key(), item.sequence(), index));
            lanes.output(lane).subscribe(mark);
            mark.subscribe(merge);
        }
        merge.subscribe(sink);

        run(source);

        Map<String, List<Keyed>> byKey = sink.items().stream().collect(Collectors.groupingBy(Keyed::key));
        assertEquals(17, byKey.size());
        byKey.forEach((key, handled) -> {
            assertEquals(1, handled.stream().map(Keyed::lane).distinct().count(), key + " went to several lanes");
            List<Integer> sequence = handled.stream().map(Keyed::sequence).collect(Collectors.toList());
            assertEquals(sequence.stream().sorted().collect(Collectors.toList()), sequence, key + " lost its order");
        });
        Set<Integer> used = sink.items().stream().map(Keyed::lane).collect(Collectors.toSet());
        assertEquals(Set.of(0, 1, 2, 3), used);
        assertEquals(1_000, sink.items().size());
        assertEquals(1_000, source.awaitAllAcknowledged(TIMEOUT).size());
    }

    @Test
    void lanesRunInParallel() throws Exception {
        var source = InMemorySource.of(0, 1);
        Partition<Integer> lanes = Steps.partition(2, item -> item);
        var bothBusy = new CyclicBarrier(2);
        AbstractStep<Integer, Integer> merge = Steps.merge();
        var sink = new CollectingSink<Integer>();
        source.subscribe(lanes);
        for (var lane : lanes.outputs()) {
            AbstractStep<Integer, Integer> slow = Steps.map(item -> {
                try {
                    bothBusy.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS); // passes only if the other lane is busy too
                } catch (Exception e) {
                    throw new IllegalStateException("lanes did not run at the same time", e);
                }
                return item;
            });
            lane.subscribe(slow);
            slow.subscribe(merge);
        }
        merge.subscribe(sink);

        run(source);

        assertEquals(Set.of(0, 1), Set.copyOf(sink.items()));
    }

    @Test
    void anOutputWithoutSubscriberIsRejected() {
        var source = InMemorySource.of(1);
        Partition<Integer> lanes = Steps.<Integer>partition(2, item -> item).named("lanes");
        source.subscribe(lanes);
        lanes.output(0).subscribe(new CollectingSink<>());

        var error = assertThrows(IllegalArgumentException.class, () -> Pipeline.from(source));

        assertTrue(error.getMessage().startsWith("outlet 'lanes[1]' has no subscribers"), error.getMessage());
    }
}
