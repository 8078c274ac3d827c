package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import java.time.Duration;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;

/** The pipeline the benchmarks run: source -> map -> filter -> map -> sink, over longs. */
final class PipelineShapes {

    static final int ITEMS = 200_000;

    private PipelineShapes() {
    }

    static final class Map extends AbstractStep<Long, Long> {
        private final LongFunction<Long> fn;

        Map(LongFunction<Long> fn, int bufferSize) {
            super(null, bufferSize);
            this.fn = fn;
        }

        @Override
        protected void process(Long item) {
            emit(fn.apply(item));
        }
    }

    static final class Filter extends AbstractStep<Long, Long> {
        private final LongPredicate keep;

        Filter(LongPredicate keep, int bufferSize) {
            super(null, bufferSize);
            this.keep = keep;
        }

        @Override
        protected void process(Long item) {
            if (keep.test(item)) {
                emit(item);
            }
        }
    }

    static final class Sum extends AbstractSink<Long> {
        long sum;

        Sum(int bufferSize) {
            super(null, bufferSize);
        }

        @Override
        protected void consume(Long item) {
            sum += item;
        }
    }

    /** Wires source -> map -> filter -> map -> sink, runs it to the end, and returns the sum. */
    static long run(AbstractSource<Long> source, int bufferSize) throws Exception {
        var times3 = new Map(x -> x * 3, bufferSize);
        var even = new Filter(x -> (x & 1) == 0, bufferSize);
        var plus1 = new Map(x -> x + 1, bufferSize);
        var sum = new Sum(bufferSize);
        source.subscribe(times3);
        times3.subscribe(even);
        even.subscribe(plus1);
        plus1.subscribe(sum);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofMinutes(5));
        }
        return sum.sum;
    }
}
