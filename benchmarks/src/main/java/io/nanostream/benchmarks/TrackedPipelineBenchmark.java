package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.DeliveryCallback;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same pipeline as {@link UntrackedPipelineBenchmark}, with a source that emits every item
 * with a {@link DeliveryCallback}: what delivery tracking costs when it is used.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(1)
public class TrackedPipelineBenchmark {

    @Param({"256"})
    public int bufferSize;

    /** Emits 0 .. ITEMS-1, each with a callback that counts deliveries. */
    static final class Acknowledged extends AbstractSource<Long> {
        final LongAdder delivered = new LongAdder();
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

        Acknowledged(int bufferSize) {
            super(null, bufferSize);
        }

        @Override
        protected boolean tracksDelivery() {
            return true;
        }

        @Override
        protected void produce() {
            for (long i = 0; i < PipelineShapes.ITEMS; i++) {
                emit(i, callback);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(PipelineShapes.ITEMS)
    public long tracked() throws Exception {
        var source = new Acknowledged(bufferSize);
        long sum = PipelineShapes.run(source, bufferSize);
        if (source.delivered.sum() != PipelineShapes.ITEMS) {
            throw new IllegalStateException("delivered " + source.delivered.sum() + " of " + PipelineShapes.ITEMS);
        }
        return sum;
    }
}
