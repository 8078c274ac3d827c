package io.nanostream.flow;

import java.util.concurrent.Flow;

/**
 * Runs a nanostream source or step on its own, outside any {@link Pipeline}: as a plain
 * {@link Flow.Publisher} or {@link Flow.Processor} in a {@code Flow} chain with publishers and
 * subscribers from anywhere (the JDK's {@link java.util.concurrent.SubmissionPublisher}, Reactor,
 * RxJava, your own). A node does nothing until it runs: in a pipeline, {@link Pipeline#start()}
 * starts it; alone, this class does. Wire it before or after: a subscriber that subscribes before
 * the start receives {@code onSubscribe} at the start, one that comes later at once.
 *
 * <pre>{@code
 * var orders = new SubmissionPublisher<String>();      // any Flow.Publisher
 * ParseOrder parse = Standalone.start(new ParseOrder());
 * orders.subscribe(parse);
 * parse.subscribe(subscriber);                          // any Flow.Subscriber
 * orders.submit("a,120");
 * orders.close();                                       // parse completes after the last order
 * }</pre>
 *
 * <p><b>Threads.</b> A node running alone delivers to its subscribers, and a source runs its
 * {@code produce} loop, on daemon threads of its own named {@code nanostream-<node name>-<n>}: as
 * many as its subscribers keep busy at once (a subscriber slow to take an item holds one), none
 * while nothing happens, since a thread idle for 30 seconds ends. Once the node has terminated
 * (completed, failed, or cancelled by every subscriber), its threads end as soon as they are idle.
 * Its timers (a batch timeout, a retry's backoff) run on the system clock.
 *
 * <p><b>Sinks</b> need no start: an {@link AbstractSink} starts when a publisher subscribes it.
 * A node runs either in one pipeline or alone, not both.
 */
public final class Standalone {

    private Standalone() {
    }

    /**
     * Starts a source or step alone, on threads of its own. A source starts producing when its
     * first subscriber requests an item.
     *
     * @param node an {@link AbstractSource} or {@link AbstractStep}, in no pipeline
     * @param <P> the node's type
     * @return the node, started
     * @throws NullPointerException if node is null
     * @throws IllegalArgumentException if node is not a nanostream source or step
     * @throws IllegalStateException if node already runs alone or belongs to a pipeline
     */
    public static <P extends Flow.Publisher<?>> P start(P node) {
        nodeOf(node).startAlone();
        return node;
    }

    /**
     * Starts a partition alone, on threads of its own: its {@linkplain Partition#outputs outputs}
     * deliver on them.
     *
     * @param partition a partition made by {@link Steps#partition}, in no pipeline
     * @param <T> the type of items
     * @return the partition, started
     * @throws NullPointerException if partition is null
     * @throws IllegalStateException if partition already runs alone or belongs to a pipeline
     */
    public static <T> Partition<T> start(Partition<T> partition) {
        nodeOf(partition).startAlone();
        return partition;
    }

    private static Node nodeOf(Object candidate) {
        Checks.notNull(candidate, "node");
        Node node = Node.of(candidate);
        if (node == null || node.kind == Node.Kind.SINK) {
            throw new IllegalArgumentException(candidate + " is not a nanostream source, step or partition;"
                    + " a sink needs no start, and other publishers run by themselves");
        }
        return node;
    }
}
