package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Built-in stateless steps with a lone nanostream subscriber run fused with it: the subscriber
 * takes each item inside the step's own {@code process} call, on its thread, with no buffer in
 * between. Other steps, and steps with several subscribers, hand items over through a buffer.
 */
class FusionTest {

    /** Records, for each item, whether a given step's process() was on the stack when it arrived. */
    static final class StackSink extends TestNodes.RecordingSink<Integer> {
        private final Class<?> step;
        final Set<Integer> insideStep = ConcurrentHashMap.newKeySet();

        StackSink(Object step) {
            this.step = step.getClass();
        }

        @Override
        protected void consume(Integer item) {
            boolean inside = StackWalker.getInstance().walk(frames -> frames.anyMatch(
                    frame -> frame.getClassName().equals(step.getName()) && frame.getMethodName().equals("process")));
            if (inside) {
                insideStep.add(item);
            }
            super.consume(item);
        }
    }

    private static List<Integer> range(int count) {
        return TestNodes.range(count);
    }

    @Test
    void aChainOfMapAndFilterRunsInsideTheFirstStepsCall() throws Exception {
        var source = TestNodes.source(range(10_000));
        AbstractStep<Integer, Integer> times2 = Steps.map(x -> x * 2);
        AbstractStep<Integer, Integer> multipleOf3 = Steps.filter(x -> x % 3 == 0);
        var sink = new StackSink(times2);
        source.subscribe(times2);
        times2.subscribe(multipleOf3);
        multipleOf3.subscribe(sink);

        TestNodes.run(source);

        List<Integer> expected = range(10_000).stream().map(x -> x * 2).filter(x -> x % 3 == 0)
                .collect(Collectors.toList());
        assertEquals(expected, sink.items);
        assertEquals(Set.copyOf(expected), sink.insideStep, "every item reached the sink inside map's process");
    }

    @Test
    void aHandWrittenStepHandsItemsOverThroughItsBuffer() throws Exception {
        var source = TestNodes.source(range(1_000));
        AbstractStep<Integer, Integer> step = TestNodes.map("own", x -> x);
        var sink = new StackSink(step);
        source.subscribe(step);
        step.subscribe(sink);

        TestNodes.run(source);

        assertEquals(range(1_000), sink.items);
        assertEquals(Set.of(), sink.insideStep);
    }

    /** A sink that writes a source item's outputs together (a Kafka sink in a transaction) asks not to be fused. */
    @Test
    void aSinkThatRefusesFusionGetsEachItemThroughItsBuffer() throws Exception {
        var source = TestNodes.source(range(1_000));
        AbstractStep<Integer, Integer> twice = Steps.flatMap(x -> List.of(x, x));
        var sink = new StackSink(twice);
        io.nanostream.flow.internal.JoinChecks.refuseFusion(sink);
        source.subscribe(twice);
        twice.subscribe(sink);

        TestNodes.run(source);

        assertEquals(range(1_000).stream().flatMap(x -> java.util.stream.Stream.of(x, x)).collect(Collectors.toList()),
                sink.items);
        assertEquals(Set.of(), sink.insideStep);
    }

    @Test
    void aMapWithTwoSubscribersIsNotFused() throws Exception {
        var source = TestNodes.source(range(1_000));
        AbstractStep<Integer, Integer> plus1 = Steps.map(x -> x + 1);
        var first = new StackSink(plus1);
        var second = new StackSink(plus1);
        source.subscribe(plus1);
        plus1.subscribe(first);
        plus1.subscribe(second);

        TestNodes.run(source);

        List<Integer> expected = range(1_000).stream().map(x -> x + 1).collect(Collectors.toList());
        assertEquals(expected, first.items);
        assertEquals(expected, second.items);
        assertEquals(Set.of(), first.insideStep);
        assertEquals(Set.of(), second.insideStep);
    }

    @Test
    void aFailingFusedStepFailsThePipelineNamingItselfAndKeepsWhatCameBefore() {
        var source = TestNodes.source(range(100));
        AbstractStep<Integer, Integer> check = Steps.<Integer, Integer>map(x -> {
            if (x == 42) {
                throw new IllegalArgumentException("no 42");
            }
            return x;
        }).named("check");
        var sink = new StackSink(check);
        source.subscribe(check);
        check.subscribe(sink);

        PipelineException failure = assertThrows(PipelineException.class, () -> TestNodes.run(source));

        assertEquals("check", failure.nodeName());
        assertEquals(range(42), sink.items);
        assertTrue(sink.events.contains("failure"), sink.events.toString());
    }

    @Test
    void aFusedStepTakesNoFurtherSubscriberOnceStarted() throws Exception {
        var source = TestNodes.source(range(10));
        AbstractStep<Integer, Integer> plus1 = Steps.<Integer, Integer>map(x -> x + 1).named("plus1");
        var sink = new StackSink(plus1);
        source.subscribe(plus1);
        plus1.subscribe(sink);

        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> plus1.subscribe(new TestNodes.RecordingSink<>()));
            assertTrue(refused.getMessage().startsWith("step 'plus1' runs fused with its only subscriber"),
                    refused.getMessage());
            pipeline.await(TestNodes.TIMEOUT);
        }
        assertEquals(range(10).stream().map(x -> x + 1).collect(Collectors.toList()), sink.items);
    }
}
