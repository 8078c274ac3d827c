package io.nanostream.flow;

import java.util.List;
import java.util.concurrent.Flow;

/**
 * Routes each item to one of several outputs by the hash of its key, so the same key always
 * takes the same output: how to spread a slow step over several threads without losing per-key
 * order. Made by {@link Steps#partition}. Subscribe it to its upstream, and one subscriber (a
 * copy of the slow step) to each {@linkplain #output(int) output}; merge the copies again if
 * needed.
 *
 * <p>Each output has its own buffer; a full one blocks the partition, so the slowest copy paces
 * the upstream, as with any fan-out. The outputs end together when the input ends.
 *
 * <pre>{@code
 * Partition<Order> lanes = Steps.partition(4, Order::customer);
 * parse.subscribe(lanes);
 * AbstractStep<Enriched, Enriched> merged = Steps.merge();
 * for (Flow.Publisher<Order> lane : lanes.outputs()) {
 *     var enrich = new EnrichOrder();          // slow: calls a service
 *     lane.subscribe(enrich);
 *     enrich.subscribe(merged);
 * }
 * merged.subscribe(sink);
 * }</pre>
 *
 * @param <T> the type of items
 */
public interface Partition<T> extends Flow.Subscriber<T> {

    /**
     * Returns the output that the items whose key hashes to {@code index} go to.
     *
     * @param index from 0 to {@code outputs().size() - 1}
     * @return the output
     * @throws IndexOutOfBoundsException if index is out of range
     */
    Flow.Publisher<T> output(int index);

    /**
     * Returns every output, in index order.
     *
     * @return the outputs
     */
    List<Flow.Publisher<T>> outputs();

    /**
     * Names this partition, for thread names, error messages and logs.
     *
     * @param name the name
     * @return this partition
     * @throws NullPointerException if name is null
     * @throws IllegalStateException if it was already named with this method, or already belongs to a
     *     pipeline
     */
    Partition<T> named(String name);

    /**
     * Sets what happens when the key function throws on an item; default
     * {@link ErrorPolicy#fail()}.
     *
     * @param policy the policy
     * @return this partition
     * @throws NullPointerException if policy is null
     * @throws IllegalStateException if a policy was already set, or it already belongs to a pipeline
     */
    Partition<T> withErrorPolicy(ErrorPolicy policy);
}
