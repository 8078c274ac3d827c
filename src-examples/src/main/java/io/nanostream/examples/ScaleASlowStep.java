package io.nanostream.examples;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Partition;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.LockSupport;

/**
 * Fan-out and fan-in: a slow step (a 2 ms call per order, to a pricing service say) spread over
 * four lanes with {@link Steps#partition}, which sends each customer's orders to the same lane so
 * they stay in order, then merged again. Four lanes take about a quarter of the time of one.
 *
 * <pre>
 *                      /-> price -\
 * orders -> partition ---> price ---> merge -> collect
 *          (by customer) -> price -/
 *                      \-> price -/
 * </pre>
 *
 * Run it with
 * {@code mvn -q -pl src-examples -am compile exec:java -Dexec.mainClass=io.nanostream.examples.ScaleASlowStep}.
 */
public final class ScaleASlowStep {

    /** An order of a customer; {@code number} counts the customer's orders. */
    record Order(String customer, int number) {
    }

    /** An order with its price. */
    record Priced(String customer, int number, long cents) {
    }

    /** The slow step: each order waits 2 ms for its price. */
    static final class PriceOrder extends AbstractStep<Order, Priced> {
        @Override
        protected void process(Order order) {
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos()); // the remote call
            emit(new Priced(order.customer(), order.number(), 100L * order.number()));
        }
    }

    private ScaleASlowStep() {
    }

    /** The orders: {@code perCustomer} orders for each of 20 customers, interleaved. */
    static List<Order> orders(int perCustomer) {
        List<Order> orders = new ArrayList<>();
        for (int number = 1; number <= perCustomer; number++) {
            for (int customer = 1; customer <= 20; customer++) {
                orders.add(new Order("c-" + customer, number));
            }
        }
        return orders;
    }

    /**
     * Prices the orders over {@code lanes} copies of the slow step.
     *
     * @param orders the orders
     * @param lanes how many copies
     * @return the priced orders, in the order they arrived
     * @throws Exception if the pipeline fails
     */
    static List<Priced> price(List<Order> orders, int lanes) throws Exception {
        var source = InMemorySource.from(orders);
        Partition<Order> byCustomer = Steps.partition(lanes, Order::customer);
        AbstractStep<Priced, Priced> merged = Steps.merge();
        var sink = new CollectingSink<Priced>();
        source.subscribe(byCustomer);
        for (Flow.Publisher<Order> lane : byCustomer.outputs()) {
            var price = new PriceOrder();
            lane.subscribe(price);
            price.subscribe(merged);
        }
        merged.subscribe(sink);
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofMinutes(1));
        }
        return sink.items();
    }

    /**
     * Prices 400 orders with one lane, then with four, and prints how long each took.
     *
     * @param args ignored
     * @throws Exception if a pipeline fails
     */
    public static void main(String[] args) throws Exception {
        compare(System.out);
    }

    /** Prices 400 orders with one lane, then four, printing a line for each. */
    static void compare(java.io.PrintStream out) throws Exception {
        List<Order> orders = orders(20);
        for (int lanes : new int[] {1, 4}) {
            long start = System.nanoTime();
            List<Priced> priced = price(orders, lanes);
            out.printf("%d lane(s): %d orders priced in %d ms%n", lanes, priced.size(), (System.nanoTime() - start) / 1_000_000);
        }
    }
}
