package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link Steps#throttle} on virtual time. */
class ThrottleStepTest {

    private final AbstractStep<Integer, Integer> throttle = Steps.throttle(2, Duration.ofSeconds(1));
    private final CollectingSink<Integer> sink = new CollectingSink<>();

    @Test
    void letsAtMostPermitsItemsThroughPerPeriod() {
        var source = InMemorySource.<Integer>manual();
        try (var pipeline = wire(source)) {
            var time = VirtualTime.of(pipeline);
            pipeline.start();
            List.of(1, 2, 3, 4, 5).forEach(source::push);

            time.settle();
            assertEquals(List.of(1, 2), sink.items());
            time.advance(Duration.ofMillis(999));
            assertEquals(List.of(1, 2), sink.items());
            time.advance(Duration.ofMillis(1));
            assertEquals(List.of(1, 2, 3, 4), sink.items());
            time.advance(Duration.ofSeconds(1));
            assertEquals(List.of(1, 2, 3, 4, 5), sink.items());
        }
    }

    @Test
    void theLimitHoldsOverAnySpanOfOnePeriod() {
        var source = InMemorySource.<Integer>manual();
        try (var pipeline = wire(source)) {
            var time = VirtualTime.of(pipeline);
            pipeline.start();
            source.push(1);
            time.advance(Duration.ofMillis(600));
            source.push(2).push(3).push(4);

            time.settle();
            assertEquals(List.of(1, 2), sink.items()); // 3 waits until a second after 1
            time.advance(Duration.ofMillis(400));
            assertEquals(List.of(1, 2, 3), sink.items());
            time.advance(Duration.ofMillis(599));
            assertEquals(List.of(1, 2, 3), sink.items()); // 4 waits until a second after 2
            time.advance(Duration.ofMillis(1));
            assertEquals(List.of(1, 2, 3, 4), sink.items());
        }
    }

    @Test
    void backPressuresUpstreamInsteadOfDropping() {
        var pulled = new AtomicInteger();
        var source = InMemorySource.from(() -> new Iterator<Integer>() {
            @Override
            public boolean hasNext() {
                return pulled.get() < 100_000;
            }

            @Override
            public Integer next() {
                return pulled.incrementAndGet();
            }
        });
        try (var pipeline = wire(source)) {
            var time = VirtualTime.of(pipeline);
            pipeline.start();

            time.settle();
            int ahead = pulled.get();
            assertTrue(ahead < 1_000, "the source ran " + ahead + " items ahead");
            time.advance(Duration.ofSeconds(10));

            assertEquals(IntStream.rangeClosed(1, 22).boxed().collect(Collectors.toList()), sink.items());
            assertTrue(pulled.get() < 1_000 + 20, "the source ran " + pulled.get() + " items ahead");
        }
    }

    private Pipeline wire(InMemorySource<Integer> source) {
        source.subscribe(throttle);
        throttle.subscribe(sink);
        return Pipeline.from(source);
    }
}
