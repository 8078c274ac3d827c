package io.nanostream.benchmarks;

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
 * Benchmarks 1 and 2: items per second through source -> map -> filter -> map -> sink, 10 M
 * items per invocation, for nanostream (with and without delivery tracking), a hand-written
 * SubmissionPublisher chain and Reactor, at the same buffer size. Each iteration runs at least
 * one whole invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ThroughputBenchmark {

    static final int ITEMS = 10_000_000;

    @Param({"256", "8192"})
    public int bufferSize;

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long nanostream() throws Exception {
        return NanostreamChain.run(ITEMS, bufferSize, false);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long nanostreamTracked() throws Exception {
        return NanostreamChain.run(ITEMS, bufferSize, true);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long rawSubmissionPublisher() throws Exception {
        return RawSubmissionPublisherChain.run(ITEMS, bufferSize);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long reactor() {
        return ReactorChain.run(ITEMS, bufferSize);
    }
}
