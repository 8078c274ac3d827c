package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link Steps#mapAsync} and {@link Steps#mapAsyncUnordered} with calls the test completes by
 * hand, always the newest first, so that completion order is the reverse of input order.
 */
class MapAsyncStepTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int PARALLELISM = 3;

    /** A call under way: its item, and the future the test completes. */
    private record Call(int item, CompletableFuture<String> result) {
    }

    private final BlockingQueue<Call> started = new LinkedBlockingQueue<>();
    private final AtomicInteger underWay = new AtomicInteger();
    private final AtomicInteger mostUnderWay = new AtomicInteger();

    private CompletableFuture<String> call(int item) {
        mostUnderWay.accumulateAndGet(underWay.incrementAndGet(), Math::max);
        var result = new CompletableFuture<String>();
        started.add(new Call(item, result));
        return result;
    }

    /** Runs 20 items through, completing the newest call each time the step has as many as it may. */
    private List<Integer> runCompletingNewestFirst(AbstractStep<Integer, String> step, CollectingSink<String> sink)
            throws Exception {
        var source = InMemorySource.from(IntStream.rangeClosed(1, 20).boxed().collect(Collectors.toList()));
        source.subscribe(step);
        step.subscribe(sink);
        List<Integer> completionOrder = new ArrayList<>();
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            List<Call> pending = new ArrayList<>();
            while (completionOrder.size() < 20) {
                Call next = started.poll(pending.isEmpty() ? TIMEOUT.toMillis() : 50, TimeUnit.MILLISECONDS);
                if (next != null) {
                    pending.add(next);
                } else if (pending.isEmpty()) {
                    fail("no call started within " + TIMEOUT + "; completed so far: " + completionOrder);
                }
                if (pending.size() == PARALLELISM || (next == null && !pending.isEmpty())) {
                    Call newest = pending.remove(pending.size() - 1);
                    underWay.decrementAndGet();
                    completionOrder.add(newest.item);
                    newest.result.complete("r" + newest.item);
                }
            }
            pipeline.await(TIMEOUT);
        }
        return completionOrder;
    }

    @Test
    void emitsInInputOrderWithAtMostParallelismCallsUnderWay() throws Exception {
        var sink = new CollectingSink<String>();

        List<Integer> completionOrder = runCompletingNewestFirst(Steps.mapAsync(PARALLELISM, this::call), sink);

        assertEquals(IntStream.rangeClosed(1, 20).mapToObj(i -> "r" + i).collect(Collectors.toList()), sink.items());
        assertTrue(!completionOrder.equals(IntStream.rangeClosed(1, 20).boxed().collect(Collectors.toList())),
                "calls completed in input order, so order was not put to the test");
        assertEquals(PARALLELISM, mostUnderWay.get());
    }

    @Test
    void unorderedEmitsInCompletionOrder() throws Exception {
        var sink = new CollectingSink<String>();

        List<Integer> completionOrder = runCompletingNewestFirst(Steps.mapAsyncUnordered(PARALLELISM, this::call), sink);

        assertEquals(completionOrder.stream().map(i -> "r" + i).collect(Collectors.toList()), sink.items());
        assertEquals(PARALLELISM, mostUnderWay.get());
    }
}
