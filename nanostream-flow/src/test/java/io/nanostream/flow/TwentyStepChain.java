package io.nanostream.flow;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * Runs source -> 20 steps -> sink and prints how many items arrived. Started in a child JVM
 * limited to one CPU by {@link PipelineTest}: with a pool sized by CPU count, steps blocked in
 * emit would starve the rest of the chain and this would never finish.
 */
public final class TwentyStepChain {

    private TwentyStepChain() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> items = TestNodes.range(10_000);
        var source = new TestNodes.ListSource<>(items, 4);
        Flow.Publisher<Integer> last = source;
        for (int i = 0; i < 20; i++) {
            var step = TestNodes.<Integer>identity(4);
            last.subscribe(step);
            last = step;
        }
        var sink = new TestNodes.RecordingSink<Integer>();
        last.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(60));
        }
        System.out.println("cpus=" + Runtime.getRuntime().availableProcessors()
                + " received=" + sink.items.size() + " inOrder=" + sink.items.equals(items));
    }
}
