package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineMetrics;
import io.nanostream.flow.Steps;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metrics cost (issue 9): the throughput chain of {@link ThroughputBenchmark} at buffer 256
 * with nobody reading metrics and with a thread taking a snapshot every millisecond (a thousand
 * times more often than a progress line), and the time one {@code metrics()} snapshot of a
 * running five-node pipeline takes.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class MetricsBenchmark {

    private static final int BUFFER = 256;

    private Pipeline idle;
    private CountDownLatch release;

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(ThroughputBenchmark.ITEMS)
    public long chainUnread() throws Exception {
        return NanostreamChain.run(ThroughputBenchmark.ITEMS, BUFFER, false, null);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(ThroughputBenchmark.ITEMS)
    public long chainReadEveryMillisecond() throws Exception {
        return NanostreamChain.run(ThroughputBenchmark.ITEMS, BUFFER, false, Duration.ofMillis(1));
    }

    /** A running pipeline whose source waits, for {@link #snapshot}. */
    @Setup(Level.Trial)
    public void startIdlePipeline() {
        release = new CountDownLatch(1);
        idle = idlePipeline(release);
        idle.start();
    }

    @TearDown(Level.Trial)
    public void stopIdlePipeline() {
        release.countDown();
        idle.close();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public PipelineMetrics snapshot() {
        return idle.metrics();
    }

    /** source -> map -> filter -> map -> sink, the source waiting on {@code release} after one item. */
    static Pipeline idlePipeline(CountDownLatch release) {
        var source = new AbstractSource<Long>("waiting", BUFFER) {
            @Override
            protected void produce() throws InterruptedException {
                emit(1L);
                release.await();
            }
        };
        var times3 = Steps.map(Chain::timesThree);
        var even = Steps.filter(Chain::even);
        var plus1 = Steps.map(Chain::plusOne);
        var sink = new AbstractSink<Long>() {
            @Override
            protected void consume(Long item) {
            }
        };
        Chain.wire(source, sink, times3, even, plus1);
        return Pipeline.from(source);
    }
}
