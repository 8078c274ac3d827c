package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random pipeline shapes, random item counts: every source item is acknowledged exactly once, and
 * only after every sink it reached has consumed every item derived from it.
 */
class DeliveryTrackingPropertyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** An item knows the source items it derives from. */
    record Item(Set<Integer> roots) {
    }

    /** One clock orders consumptions and acknowledgements across all threads. */
    private final AtomicLong clock = new AtomicLong();
    private final Map<Integer, Long> lastConsumed = new ConcurrentHashMap<>();
    private final Map<Integer, Long> acknowledgedAt = new ConcurrentHashMap<>();

    static IntStream seeds() {
        return IntStream.range(0, 40);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void acknowledgesEachItemOnceAfterEverySinkConsumedAllItsDerivedItems(int seed) throws Exception {
        Random random = new Random(seed);
        int count = random.nextInt(400);
        var source = InMemorySource.from(IntStream.range(0, count).mapToObj(i -> new Item(Set.of(i))).toList());
        source.onAcknowledged(item -> {
            Integer root = item.roots().iterator().next();
            if (acknowledgedAt.putIfAbsent(root, clock.incrementAndGet()) != null) {
                throw new AssertionError("acknowledged twice: " + root);
            }
        });
        String shape = buildRandomGraph(source, random);

        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }

        String context = "seed " + seed + ", " + count + " items, " + shape;
        assertEquals(count, source.awaitAllAcknowledged(TIMEOUT).size(), context);
        for (int root = 0; root < count; root++) {
            long consumed = lastConsumed.getOrDefault(root, 0L);
            assertTrue(acknowledgedAt.get(root) > consumed,
                    "item " + root + " acknowledged before a sink consumed all derived from it; " + context);
        }
    }

    /** Adds 1 to 6 random steps, with fan-in and fan-out, and sinks on every open end. */
    private String buildRandomGraph(InMemorySource<Item> source, Random random) {
        List<Flow.Publisher<Item>> publishers = new ArrayList<>(List.of(source));
        java.util.Set<Flow.Publisher<Item>> subscribed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        List<String> shape = new ArrayList<>();
        int steps = 1 + random.nextInt(6);
        for (int s = 0; s < steps; s++) {
            AbstractStep<Item, Item> step = randomStep(random, "s" + s);
            int upstreams = publishers.size() > 1 && random.nextInt(4) == 0 ? 2 : 1;
            List<Flow.Publisher<Item>> candidates = new ArrayList<>(publishers);
            for (int u = 0; u < upstreams; u++) {
                Flow.Publisher<Item> upstream = candidates.remove(random.nextInt(candidates.size()));
                upstream.subscribe(step);
                subscribed.add(upstream);
                shape.add(nameOf(upstream) + "->" + step.name());
            }
            publishers.add(step);
        }
        for (Flow.Publisher<Item> publisher : publishers) {
            int sinks = (subscribed.contains(publisher) ? 0 : 1)
                    + (random.nextInt(4) == 0 ? 1 : 0);
            for (int k = 0; k < sinks; k++) {
                boolean late = random.nextBoolean();
                publisher.subscribe(late ? new LateSink() : new Sink());
                shape.add(nameOf(publisher) + "->" + (late ? "late-sink" : "sink"));
            }
        }
        return String.join(" ", shape);
    }

    private static String nameOf(Flow.Publisher<Item> publisher) {
        return publisher instanceof AbstractStep ? ((AbstractStep<?, ?>) publisher).name() : "source";
    }

    private AbstractStep<Item, Item> randomStep(Random random, String name) {
        switch (random.nextInt(4)) {
            case 0:
                return new Derive(name + ":map", roots -> 1);
            case 1:
                return new Derive(name + ":filter", roots -> roots.hashCode() % 3 == 0 ? 0 : 1);
            case 2:
                return new Derive(name + ":flatMap", roots -> roots.hashCode() % 4);
            default:
                return new Batch(name + ":batch", 1 + random.nextInt(7));
        }
    }

    /** Emits {@code copies(roots)} items derived from each input: map, filter or flatMap. */
    static final class Derive extends AbstractStep<Item, Item> {
        private final java.util.function.ToIntFunction<Set<Integer>> copies;

        Derive(String name, java.util.function.ToIntFunction<Set<Integer>> copies) {
            super(name, 1 + name.length() % 8);
            this.copies = copies;
        }

        @Override
        protected void process(Item item) {
            for (int i = copies.applyAsInt(item.roots()); i > 0; i--) {
                emit(new Item(item.roots()));
            }
        }
    }

    /** Aggregates inputs into one item per {@code size} inputs, and the rest at end of input. */
    static final class Batch extends AbstractStep<Item, Item> {
        private final int size;
        private final Set<Integer> roots = new HashSet<>();
        private final List<Held> inputs = new ArrayList<>();

        Batch(String name, int size) {
            super(name, 4);
            this.size = size;
        }

        @Override
        protected void process(Item item) {
            roots.addAll(item.roots());
            inputs.add(holdInput());
            if (inputs.size() == size) {
                flush();
            }
        }

        @Override
        protected void onEndOfInput() {
            if (!inputs.isEmpty()) {
                flush();
            }
        }

        private void flush() {
            emit(new Item(Set.copyOf(roots)), inputs);
            inputs.forEach(Held::release);
            inputs.clear();
            roots.clear();
        }
    }

    /** Records, per source item, when it was last consumed. */
    class Sink extends AbstractSink<Item> {
        Sink() {
            super("sink", 4);
        }

        @Override
        protected void consume(Item item) {
            for (Integer root : item.roots()) {
                lastConsumed.merge(root, clock.incrementAndGet(), Math::max);
            }
        }
    }

    /** Confirms each item only when the next one arrives, or at end of input. */
    final class LateSink extends Sink {
        private Held previous;

        @Override
        protected void consume(Item item) {
            super.consume(item);
            Held current = holdInput();
            if (previous != null) {
                previous.release();
            }
            previous = current;
        }

        @Override
        protected void onEndOfInput() {
            if (previous != null) {
                previous.release();
            }
        }
    }
}
