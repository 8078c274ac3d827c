package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractSource;
import java.util.concurrent.TimeUnit;
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
 * Items per second through source -> map -> filter -> map -> sink when no source tracks
 * delivery. Uses only API that predates delivery tracking, so the same benchmark can run against
 * the core before and after it (see docs/BENCHMARKS.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(1)
public class UntrackedPipelineBenchmark {

    @Param({"256"})
    public int bufferSize;

    /** Emits 0 .. ITEMS-1 with plain emit. */
    static final class Counting extends AbstractSource<Long> {
        Counting(int bufferSize) {
            super(null, bufferSize);
        }

        @Override
        protected void produce() {
            for (long i = 0; i < PipelineShapes.ITEMS; i++) {
                emit(i);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(PipelineShapes.ITEMS)
    public long untracked() throws Exception {
        return PipelineShapes.run(new Counting(bufferSize), bufferSize);
    }
}
