package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Each policy with a poison item in the middle of a stream: every other item arrives, the poison
 * lands where the policy says, and nothing is lost (every input is acknowledged, or, when the
 * pipeline fails, nothing from the poison on is).
 */
class PoisonItemTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int POISON = 50;

    private final InMemorySource<Integer> source = InMemorySource.from(range(1, 100));
    private final CollectingSink<Integer> sink = new CollectingSink<>();
    private final CollectingSink<DeadLetter> deadLetters = new CollectingSink<>();

    private static Integer parse(Integer item) {
        if (item == POISON) {
            throw new IllegalArgumentException("poison: " + item);
        }
        return item;
    }

    private void wire(AbstractStep<Integer, Integer> step) {
        source.subscribe(step);
        step.subscribe(sink);
    }

    private void run() throws Exception {
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
    }

    @Test
    void failStopsThePipelineNamingStepAndItem() {
        wire(Steps.map(PoisonItemTest::parse).named("parse").withErrorPolicy(ErrorPolicy.fail()));

        var failure = assertThrows(PipelineException.class, this::run);

        assertEquals("parse", failure.nodeName());
        assertTrue(failure.getMessage().startsWith("step 'parse' failed on item \"50\""), failure.getMessage());
        assertEquals(range(1, POISON - 1), sink.items());
        assertTrue(source.acknowledged().stream().allMatch(i -> i < POISON), "acknowledged " + source.acknowledged());
    }

    @Test
    void skipDropsThePoisonAndAcknowledgesIt() throws Exception {
        wire(Steps.map(PoisonItemTest::parse).withErrorPolicy(ErrorPolicy.skip()));

        run();

        assertEquals(without(POISON), sink.items());
        assertEquals(range(1, 100), sorted(source.awaitAllAcknowledged(TIMEOUT)));
    }

    @Test
    void deadLetterParksThePoisonWithItsErrorAndAcknowledgesItOnceParked() throws Exception {
        wire(Steps.map(PoisonItemTest::parse).named("parse").withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)));
        source.onAcknowledged(item -> {
            if (item == POISON) {
                assertEquals(1, deadLetters.items().size(), "the poison was acknowledged before it was parked");
            }
        });

        run();

        assertEquals(without(POISON), sink.items());
        DeadLetter letter = deadLetters.items().get(0);
        assertEquals(List.of("parse", POISON, "java.lang.IllegalArgumentException", "poison: 50", 1),
                List.of(letter.step(), letter.item(), letter.errorClass(), letter.errorMessage(), letter.attempts()));
        assertEquals(1, deadLetters.items().size());
        assertTrue(deadLetters.isCompleted());
        assertEquals(range(1, 100), sorted(source.awaitAllAcknowledged(TIMEOUT)));
    }

    @Test
    void retryCallsAgainWithGrowingBackoffOnVirtualTime() {
        var attempts = new AtomicInteger();
        var manual = InMemorySource.<Integer>manual();
        var step = Steps.map((Integer item) -> {
            if (item == POISON && attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("flaky, attempt " + attempts.get());
            }
            return item;
        }).withErrorPolicy(ErrorPolicy.retry(3, Duration.ofSeconds(1)).jitter(0));
        manual.subscribe(step);
        step.subscribe(sink);
        try (var pipeline = Pipeline.from(manual)) {
            var time = VirtualTime.of(pipeline);
            pipeline.start();
            range(POISON - 2, POISON + 2).forEach(manual::push);

            time.settle();
            assertEquals(List.of(48, 49), sink.items());
            time.advance(Duration.ofSeconds(1)); // second attempt fails; the next waits 2 s
            assertEquals(2, attempts.get());
            time.advance(Duration.ofMillis(1999));
            assertEquals(List.of(48, 49), sink.items());
            time.advance(Duration.ofMillis(1));
            assertEquals(List.of(48, 49, 50, 51, 52), sink.items());
            assertEquals(3, attempts.get());
        }
    }

    @Test
    void retryFallsThroughToItsFallbackWhenEveryAttemptFailed() throws Exception {
        wire(Steps.map(PoisonItemTest::parse).named("parse").withErrorPolicy(
                ErrorPolicy.retry(3, Duration.ofMillis(1)).orElse(ErrorPolicy.deadLetter(deadLetters))));

        run();

        assertEquals(without(POISON), sink.items());
        assertEquals(List.of(POISON), deadLetters.items().stream().map(DeadLetter::item).collect(Collectors.toList()));
        assertEquals(3, deadLetters.items().get(0).attempts());
        assertEquals(range(1, 100), sorted(source.awaitAllAcknowledged(TIMEOUT)));
    }

    @Test
    void aSinkSkipsWhatItCannotConsume() throws Exception {
        var consumed = ConcurrentHashMap.<Integer>newKeySet();
        AbstractSink<Integer> sink = new AbstractSink<>() {
            @Override
            protected void consume(Integer item) {
                consumed.add(parse(item));
            }
        };
        source.subscribe(sink.withErrorPolicy(ErrorPolicy.skip()));

        run();

        assertEquals(without(POISON), sorted(consumed));
        assertEquals(range(1, 100), sorted(source.awaitAllAcknowledged(TIMEOUT)));
    }

    @Test
    void aSinkDeadLettersWhatItCannotConsume() throws Exception {
        var consumed = ConcurrentHashMap.<Integer>newKeySet();
        AbstractSink<Integer> sink = new AbstractSink<>() {
            @Override
            protected void consume(Integer item) {
                consumed.add(parse(item));
            }
        };
        source.subscribe(sink.named("store").withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)));

        run();

        assertEquals(without(POISON), sorted(consumed));
        assertEquals("store", deadLetters.items().get(0).step());
        assertEquals(range(1, 100), sorted(source.awaitAllAcknowledged(TIMEOUT)));
    }

    @Test
    void anAsyncCallThatFailsGoesThroughThePolicy() throws Exception {
        wire(Steps.mapAsync(4, (Integer item) -> CompletableFuture.supplyAsync(() -> parse(item)))
                .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters)));

        run();

        assertEquals(without(POISON), sink.items());
        assertEquals(POISON, deadLetters.items().get(0).item());
        assertEquals("java.lang.IllegalArgumentException", deadLetters.items().get(0).errorClass());
        assertEquals(range(1, 100), sorted(source.awaitAllAcknowledged(TIMEOUT)));
    }

    @Test
    void anAsyncCallIsRetried() throws Exception {
        Map<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();
        Function<Integer, CompletableFuture<Integer>> flaky = item -> calls.computeIfAbsent(item, k -> new AtomicInteger())
                .incrementAndGet() == 1 && item % 10 == 0
                        ? CompletableFuture.failedFuture(new IllegalStateException("try again"))
                        : CompletableFuture.completedFuture(item);
        wire(Steps.mapAsync(4, flaky).withErrorPolicy(ErrorPolicy.retry(2, Duration.ofMillis(1))));

        run();

        assertEquals(range(1, 100), sink.items());
        assertEquals(2, calls.get(POISON).get());
    }

    @Test
    void aPartitionSkipsAnItemWhoseKeyCannotBeComputed() throws Exception {
        Partition<Integer> lanes = Steps.<Integer>partition(2, PoisonItemTest::parse).withErrorPolicy(ErrorPolicy.skip());
        AbstractStep<Integer, Integer> merge = Steps.merge();
        source.subscribe(lanes);
        lanes.outputs().forEach(lane -> lane.subscribe(merge));
        merge.subscribe(sink);

        run();

        assertEquals(without(POISON), sorted(sink.items()));
        assertEquals(range(1, 100), sorted(source.awaitAllAcknowledged(TIMEOUT)));
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }

    private static List<Integer> without(int poison) {
        return range(1, 100).stream().filter(i -> i != poison).collect(Collectors.toList());
    }

    private static List<Integer> sorted(Collection<Integer> items) {
        return items.stream().sorted().collect(Collectors.toList());
    }
}
