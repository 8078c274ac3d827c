package io.nanostream.examples;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.List;

/**
 * The README's pipeline: parse order lines, keep the expensive ones, collect them.
 * Run it with
 * {@code mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.Quickstart}.
 */
public final class Quickstart {

    /** An order: who placed it and its total. */
    record Order(String id, int total) {
        static Order parse(String line) {
            String[] fields = line.split(",");
            return new Order(fields[0], Integer.parseInt(fields[1]));
        }
    }

    // README:begin
    static final class Parse extends AbstractStep<String, Order> {
        @Override protected void process(String line) { emit(Order.parse(line)); }
    }
    static final class Expensive extends AbstractStep<Order, Order> {
        @Override protected void process(Order o) { if (o.total() > 100) emit(o); }
    }
    // README:end

    private Quickstart() {
    }

    /**
     * Runs the pipeline and returns the ids of the expensive orders.
     *
     * @return the ids, in input order
     * @throws Exception if the pipeline fails or times out
     */
    static List<String> run() throws Exception {
        // README:begin
        var source = InMemorySource.of("a,120", "b,5", "c,300");
        var parse = new Parse();
        var expensive = new Expensive();
        var sink = new CollectingSink<Order>();
        source.subscribe(parse);
        parse.subscribe(expensive);
        expensive.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(5));
        }
        // README:end
        return sink.items().stream().map(Order::id).toList();
    }

    /**
     * Runs the pipeline and prints the expensive orders.
     *
     * @param args ignored
     * @throws Exception if the pipeline fails or times out
     */
    public static void main(String[] args) throws Exception {
        System.out.println("expensive orders: " + run());
    }
}
