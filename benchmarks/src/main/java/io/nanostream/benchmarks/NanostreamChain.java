package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.DeliveryCallback;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/** The chain on nanostream: a source, Steps.map, Steps.filter, Steps.map, a sink. */
final class NanostreamChain {

    private NanostreamChain() {
    }

    /** Counts up to {@code items}; with {@code tracked}, emits each item with a callback. */
    static final class Counting extends AbstractSource<Long> {
        final LongAdder delivered = new LongAdder();
        private final long items;
        private final boolean tracked;
        private final DeliveryCallback callback = new DeliveryCallback() {
            @Override
            public void delivered() {
                delivered.increment();
            }

            @Override
            public void failed(Throwable cause) {
                throw new IllegalStateException("delivery failed in a benchmark", cause);
            }
        };

        Counting(long items, int bufferSize, boolean tracked) {
            super("count", bufferSize);
            this.items = items;
            this.tracked = tracked;
        }

        @Override
        protected boolean tracksDelivery() {
            return tracked;
        }

        @Override
        protected void produce() {
            for (long i = 0; i < items; i++) {
                if (tracked) {
                    emit(i, callback);
                } else {
                    emit(i);
                }
            }
        }
    }

    static final class Sum extends AbstractSink<Long> {
        long sum;

        Sum(int bufferSize) {
            super("sum", bufferSize);
        }

        @Override
        protected void consume(Long item) {
            sum += item;
        }
    }

    /** Nodes seen by metrics readers; read by nobody, so the snapshots are not optimized away. */
    static volatile long snapshots;

    static long run(long items, int bufferSize, boolean tracked) throws Exception {
        return run(items, bufferSize, tracked, null);
    }

    /**
     * Runs the chain; with {@code readMetricsEvery}, another thread takes a {@code metrics()}
     * snapshot that often while it runs.
     */
    static long run(long items, int bufferSize, boolean tracked, Duration readMetricsEvery) throws Exception {
        var source = new Counting(items, bufferSize, tracked);
        var times3 = Steps.map(Chain::timesThree);
        var even = Steps.filter(Chain::even);
        var plus1 = Steps.map(Chain::plusOne);
        var sum = new Sum(bufferSize);
        Chain.wire(source, sum, times3, even, plus1);
        Pipeline pipeline = Pipeline.from(source);
        var reader = readMetricsEvery == null ? null : java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        if (reader != null) {
            reader.scheduleAtFixedRate(() -> snapshots += pipeline.metrics().nodes().size(), 0,
                    readMetricsEvery.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        try {
            Chain.runToEnd(pipeline, Duration.ofMinutes(10));
        } finally {
            if (reader != null) {
                reader.shutdownNow();
            }
        }
        if (tracked && source.delivered.sum() != items) {
            throw new IllegalStateException("delivered " + source.delivered.sum() + " of " + items);
        }
        return Chain.check(sum.sum, items);
    }
}
