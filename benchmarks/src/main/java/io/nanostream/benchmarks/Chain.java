package io.nanostream.benchmarks;

import io.nanostream.flow.Pipeline;
import java.time.Duration;

/**
 * The work of the in-memory chain every contender runs: source (0 .. n-1) -> times three ->
 * keep the even ones -> plus one -> sum. The sum is known in advance, so each run checks that
 * every item arrived exactly once.
 */
final class Chain {

    private Chain() {
    }

    /** Subscribes each stage to the one before it: {@code source -> stages... -> sink}. */
    @SafeVarargs
    static <T> void wire(java.util.concurrent.Flow.Publisher<T> source, java.util.concurrent.Flow.Subscriber<T> sink,
            java.util.concurrent.Flow.Processor<T, T>... stages) {
        java.util.concurrent.Flow.Publisher<T> upstream = source;
        for (java.util.concurrent.Flow.Processor<T, T> stage : stages) {
            upstream.subscribe(stage);
            upstream = stage;
        }
        upstream.subscribe(sink);
    }

    /** Starts the pipeline, waits until it has finished, and closes it. */
    static void runToEnd(Pipeline pipeline, Duration timeout) throws Exception {
        try (pipeline) {
            pipeline.start();
            pipeline.await(timeout);
        }
    }

    static Long timesThree(Long x) {
        return x * 3;
    }

    static boolean even(Long x) {
        return (x & 1) == 0;
    }

    static Long plusOne(Long x) {
        return x + 1;
    }

    /** The sum a sink must reach for {@code items} items. */
    static long expectedSum(long items) {
        long sum = 0;
        for (long i = 0; i < items; i++) {
            long x = i * 3;
            if ((x & 1) == 0) {
                sum += x + 1;
            }
        }
        return sum;
    }

    static long check(long sum, long items) {
        long expected = expectedSum(items);
        if (sum != expected) {
            throw new IllegalStateException("the sink summed " + sum + ", expected " + expected
                    + ": items were lost or duplicated");
        }
        return sum;
    }
}
