package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 6: item latency, from the moment the source emits an item to the moment the sink
 * has it, through map, filter and map, at 10 % of the pipeline's maximum throughput. The
 * maximum is measured first in the same fork; the source then emits at a tenth of it, evenly
 * spaced (busy-waiting between items, so the pacing itself adds no wake-up delay).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 1, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LatencyBenchmark {

    /** About 7 s at 10 % of 4 M items/s: one measured invocation, since JMH sums these figures over iterations. */
    static final int ITEMS = 3_000_000;

    private double itemsPerSecond;

    /** The percentiles JMH reports next to the (paced) throughput. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Percentiles {
        public double p50Micros;
        public double p99Micros;
        public double rateItemsPerSecond;

        @Setup(Level.Iteration)
        public void reset() {
            p50Micros = 0;
            p99Micros = 0;
        }
    }

    @Setup
    public void measureMaximum() throws Exception {
        itemsPerSecond = maximumRate(2_000_000);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void tenPercentOfMaximum(Percentiles percentiles) throws Exception {
        long[] latencies = run(ITEMS, itemsPerSecond / 10);
        percentiles.p50Micros = percentile(latencies, 0.50) / 1e3;
        percentiles.p99Micros = percentile(latencies, 0.99) / 1e3;
        percentiles.rateItemsPerSecond = itemsPerSecond / 10;
    }

    /** Items per second through the unpaced pipeline. */
    static double maximumRate(int items) throws Exception {
        long start = System.nanoTime();
        run(items, 0);
        return items * 1e9 / (System.nanoTime() - start);
    }

    /** Emits {@link System#nanoTime()} stamps, {@code ratePerSecond} a second, or as fast as it can at 0. */
    static final class Stamps extends AbstractSource<Long> {
        private final int items;
        private final double ratePerSecond;

        Stamps(int items, double ratePerSecond) {
            super("stamps", 256);
            this.items = items;
            this.ratePerSecond = ratePerSecond;
        }

        @Override
        protected void produce() {
            long start = System.nanoTime();
            for (int i = 0; i < items; i++) {
                if (ratePerSecond > 0) {
                    long due = start + (long) (i * 1e9 / ratePerSecond);
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
                emit(System.nanoTime());
            }
        }
    }

    /** Records how long each stamp took to arrive. */
    static final class Latencies extends AbstractSink<Long> {
        final long[] nanos;
        int count;

        Latencies(int items) {
            super("latencies", 256);
            this.nanos = new long[items];
        }

        @Override
        protected void consume(Long stamp) {
            nanos[count++] = System.nanoTime() - stamp;
        }
    }

    /** Runs the pipeline; returns each item's latency in nanoseconds. */
    static long[] run(int items, double ratePerSecond) throws Exception {
        var source = new Stamps(items, ratePerSecond);
        AbstractStep<Long, Long> copy = Steps.map(stamp -> stamp);
        AbstractStep<Long, Long> keepAll = Steps.filter(stamp -> stamp != 0);
        AbstractStep<Long, Long> copyAgain = Steps.map(stamp -> stamp);
        var sink = new Latencies(items);
        Chain.wire(source, sink, copy, keepAll, copyAgain);
        Chain.runToEnd(Pipeline.from(source), Duration.ofMinutes(10));
        if (sink.count != items) {
            throw new IllegalStateException("the sink took " + sink.count + " of " + items);
        }
        return sink.nanos;
    }

    static double percentile(long[] values, double fraction) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(fraction * (sorted.length - 1)))];
    }
}
