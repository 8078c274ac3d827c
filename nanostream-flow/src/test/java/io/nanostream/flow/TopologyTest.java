package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.range;
import static io.nanostream.flow.TestNodes.source;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/** {@link Pipeline#toMermaid()} and {@link Pipeline#toDot()}: every node and subscription, drawn. */
class TopologyTest {

    /** A subscriber outside nanostream. */
    static final class Audit implements Flow.Subscriber<Integer> {
        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Integer item) {
        }

        @Override
        public void onError(Throwable error) {
        }

        @Override
        public void onComplete() {
        }
    }

    /** numbers -> parse (dead letters -> rejects) -> lanes[0], lanes[1] -> merge -> sink, and parse -> Audit. */
    private static Pipeline pipeline() {
        var numbers = source(range(4));
        numbers.named("numbers");
        AbstractStep<Integer, Integer> parse = Steps.<Integer, Integer>map(i -> i).named("parse \"ints\"");
        var rejects = new RecordingSink<DeadLetter>();
        rejects.named("rejects");
        parse.withErrorPolicy(ErrorPolicy.deadLetter(rejects));
        Partition<Integer> lanes = Steps.<Integer>partition(2, i -> i).named("lanes");
        AbstractStep<Integer, Integer> merge = Steps.<Integer>merge().named("merge");
        var sink = new RecordingSink<Integer>();
        numbers.subscribe(parse);
        parse.subscribe(lanes);
        parse.subscribe(new Audit());
        lanes.output(0).subscribe(merge);
        lanes.output(1).subscribe(merge);
        merge.subscribe(sink);
        return Pipeline.from(numbers).named("demo");
    }

    @Test
    void drawsAMermaidFlowchart() {
        try (Pipeline pipeline = pipeline()) {
            assertEquals(String.join("\n",
                    "flowchart LR",
                    "    n0([\"numbers\"])",
                    "    n1[\"parse #quot;ints#quot;\"]",
                    "    n2[(\"rejects\")]",
                    "    n3[\"lanes\"]",
                    "    n4[\"merge\"]",
                    "    n5[(\"RecordingSink\")]",
                    "    n6{{\"Audit\"}}",
                    "    n0 --> n1",
                    "    n1 --> n3",
                    "    n1 --> n6",
                    "    n1 -.->|\"dead letters\"| n2",
                    "    n3 -.->|\"[0]\"| n4",
                    "    n3 -.->|\"[1]\"| n4",
                    "    n4 --> n5",
                    ""), pipeline.toMermaid());
        }
    }

    @Test
    void drawsAGraphvizDigraph() {
        try (Pipeline pipeline = pipeline()) {
            assertEquals(String.join("\n",
                    "digraph \"demo\" {",
                    "    rankdir=LR;",
                    "    n0 [label=\"numbers\", shape=ellipse];",
                    "    n1 [label=\"parse \\\"ints\\\"\", shape=box];",
                    "    n2 [label=\"rejects\", shape=cylinder];",
                    "    n3 [label=\"lanes\", shape=box];",
                    "    n4 [label=\"merge\", shape=box];",
                    "    n5 [label=\"RecordingSink\", shape=cylinder];",
                    "    n6 [label=\"Audit\", shape=hexagon];",
                    "    n0 -> n1;",
                    "    n1 -> n3;",
                    "    n1 -> n6;",
                    "    n1 -> n2 [label=\"dead letters\", style=dashed];",
                    "    n3 -> n4 [label=\"[0]\", style=dashed];",
                    "    n3 -> n4 [label=\"[1]\", style=dashed];",
                    "    n4 -> n5;",
                    "}",
                    ""), pipeline.toDot());
        }
    }
}
