package io.nanostream.benchmarks;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import java.time.Duration;
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
 * Benchmark 5: how {@code partition(n)} spreads a CPU-heavy step over cores. Source ->
 * partition(n) -> per lane: a heavy step (about 2 µs of arithmetic per item), filter, map ->
 * merge -> sink. With one lane the heavy step bounds the rate; each further lane adds a core
 * while there are cores to add.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ScaleBenchmark {

    static final int ITEMS = 1_000_000;
    static final int ROUNDS = 2_000;

    @Param({"1", "2", "4"})
    public int lanes;

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long partitioned() throws Exception {
        return run(ITEMS, lanes, ROUNDS);
    }

    /** A step that spends CPU on each item: {@code rounds} steps of a linear congruential generator. */
    static final class Heavy extends AbstractStep<Long, Long> {
        private final int rounds;

        Heavy(int rounds) {
            super("heavy", 256);
            this.rounds = rounds;
        }

        @Override
        protected void process(Long item) {
            long x = item;
            for (int i = 0; i < rounds; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            emit(x == 0x5DEECE66DL ? item + 1 : item); // the item again, after work the JIT cannot skip
        }
    }

    static long run(long items, int lanes, int rounds) throws Exception {
        var source = new NanostreamChain.Counting(items, 256, false);
        var partition = Steps.<Long>partition(lanes, item -> item);
        var merge = Steps.<Long>merge();
        var sum = new NanostreamChain.Sum(256);
        source.subscribe(partition);
        for (int lane = 0; lane < lanes; lane++) {
            var heavy = new Heavy(rounds);
            var times3 = Steps.map(Chain::timesThree);
            var even = Steps.filter(Chain::even);
            var plus1 = Steps.map(Chain::plusOne);
            partition.output(lane).subscribe(heavy);
            heavy.subscribe(times3);
            times3.subscribe(even);
            even.subscribe(plus1);
            plus1.subscribe(merge);
        }
        merge.subscribe(sum);
        Chain.runToEnd(Pipeline.from(source), Duration.ofMinutes(10));
        return Chain.check(sum.sum, items);
    }
}
