package io.nanostream.flow;

import java.time.Duration;
import java.util.concurrent.Flow;

/**
 * The end of a pipeline: receives items from one or more upstreams and hands each to
 * {@link #consume}. Subclass it, override {@code consume}, and subscribe it to a step or source.
 *
 * <p>The hooks run on the pipeline's threads, never concurrently, each seeing the writes of the
 * ones before. A sink requests {@code bufferSize} items ahead (default 256) and asks for more as
 * it consumes; while {@code consume} is slow, upstream buffers fill and back-pressure reaches
 * the sources. An exception thrown by {@link #consume}, {@link #onStart} or {@link #onEndOfInput}
 * fails the pipeline, naming this sink and the item. The pipeline has completed once each of its
 * sinks has seen the end of its input.
 *
 * <p>A sink that prints every item:
 * <pre>{@code
 * class PrintOrders extends AbstractSink<Order> {
 *     @Override
 *     protected void consume(Order order) {
 *         System.out.println(order);
 *     }
 *
 *     @Override
 *     protected void onEndOfInput() {
 *         System.out.println("done");
 *     }
 * }
 * }</pre>
 *
 * @param <T> the type of items consumed
 */
public abstract class AbstractSink<T> extends NodeBase implements Flow.Subscriber<T> {

    private final Inlet<T> inlet;

    /** Creates a sink named after its class that requests 256 items ahead. */
    protected AbstractSink() {
        this(null, NodePublisher.DEFAULT_BUFFER_SIZE);
    }

    /**
     * Creates a sink named after its class.
     *
     * @param bufferSize how many items to request ahead from each upstream
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    protected AbstractSink(int bufferSize) {
        this(null, bufferSize);
    }

    /**
     * Creates a sink.
     *
     * @param name the name used in error messages; null for the class name
     * @param bufferSize how many items to request ahead from each upstream
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    protected AbstractSink(String name, int bufferSize) {
        super(Node.Kind.SINK, name);
        this.inlet = new Inlet<>(node, Checks.positive(bufferSize, "bufferSize"), true, new Input());
    }

    /**
     * Returns the name used in error messages: the one given at construction, or else the simple
     * name of the class.
     *
     * @return this sink's name
     */
    public final String name() {
        return node.name;
    }

    /**
     * Names this sink, for thread names, error messages and logs; the default is the class name.
     *
     * @param name the name
     * @return this sink
     * @throws NullPointerException if name is null
     * @throws IllegalStateException if the sink was already named with this method, or already belongs to a
     *     pipeline
     */
    public final AbstractSink<T> named(String name) {
        node.rename(name);
        return this;
    }

    /**
     * Sets what this sink does when {@link #consume} throws on an item; the default is
     * {@link ErrorPolicy#fail()}. A dead-letter policy subscribes its subscriber now.
     *
     * @param policy the policy
     * @return this sink
     * @throws NullPointerException if policy is null
     * @throws IllegalStateException if a policy was already set, or the sink already belongs to a
     *     pipeline
     */
    public final AbstractSink<T> withErrorPolicy(ErrorPolicy policy) {
        node.setErrorPolicy(policy);
        return this;
    }

    /**
     * Returns the scheduler this sink takes its time from: its pipeline's, or the system clock
     * outside a pipeline; see {@link Scheduler}.
     *
     * @return the scheduler
     */
    protected final Scheduler scheduler() {
        return node.scheduler();
    }

    /**
     * Returns how many partitions the pipeline's sources were assigned so far, each assignment
     * counted (a partition assigned again counts again; see
     * {@link AbstractSource#partitionsChanged}). A sink that must know what other instances of
     * the pipeline wrote before a partition moved here (Kafka's {@code oncePerKey}) reads the
     * destination again when this changed since it last did.
     *
     * @return the count; 0 outside a pipeline, or for sources that announce no partitions
     */
    protected final long partitionsAssigned() {
        Pipeline pipeline = node.pipeline();
        return pipeline == null ? 0 : pipeline.partitionsAssigned();
    }

    /**
     * Runs {@code action} once after {@code delay} (at once for zero), like an item: never
     * concurrently with {@link #consume} or another action. It does not run once the sink has
     * ended or failed; if it throws, the pipeline fails. A sink that writes asynchronously uses it
     * to act on results as they come.
     *
     * @param delay how long to wait, on this sink's {@linkplain #scheduler() scheduler}
     * @param action what to run
     * @return a handle that cancels the action if it has not started
     * @throws NullPointerException if delay or action is null
     */
    protected final Scheduler.Task schedule(Duration delay, Runnable action) {
        Checks.notNull(action, "action");
        return scheduler().schedule(Checks.notNull(delay, "delay"),
                () -> node.runTimed(node.executor(), () -> inlet.runExclusive(action)));
    }

    /**
     * Settles a held input whose write failed after {@link #consume} returned, by this sink's
     * {@link ErrorPolicy}: skipped or dead-lettered (and then released), or else failed, which
     * fails the pipeline. A retry policy applies its fallback here: a sink that can retry a write
     * does so itself. Call it from {@code consume}, {@code onEndOfInput} or a
     * {@linkplain #schedule scheduled} action.
     *
     * @param input the input, held and not yet released
     * @param item the item whose write failed, for the message and the dead letter
     * @param error why
     * @throws PipelineException if the policy fails the pipeline; let it propagate
     * @throws IllegalStateException if the input was already released or failed
     */
    protected final void settleFailed(Held input, T item, Throwable error) {
        node.settleLater(input, Checks.notNull(item, "item"), Checks.notNull(error, "error"));
    }

    /**
     * Returns an exception that, thrown from {@link #consume} or another hook, fails the pipeline
     * whatever this sink's {@link ErrorPolicy} says: for a failure that is not the item's fault,
     * such as a database that stays unreachable, where skipping or dead-lettering the item would
     * mend nothing and lose the item. Inputs the sink still holds fail with it.
     *
     * @param cause what went wrong
     * @return the failure, naming this sink; throw it
     * @throws NullPointerException if cause is null
     */
    protected final PipelineException pipelineFailure(Throwable cause) {
        return node.failure(null, Checks.notNull(cause, "cause"));
    }

    /**
     * Called once, before the first item.
     *
     * @throws Exception to fail the pipeline
     */
    protected void onStart() throws Exception {
    }

    /**
     * Handles one item.
     *
     * @param item the item, never null
     * @throws Exception to fail the pipeline; the failure names this sink and the item
     */
    protected abstract void consume(T item) throws Exception;

    /**
     * Called once after the last item, when every upstream has completed.
     *
     * @throws Exception to fail the pipeline
     */
    protected void onEndOfInput() throws Exception {
    }

    /**
     * Says why this sink cannot do its work now, for {@link Pipeline#health()}: null when it can,
     * which is the default. Name what is wrong in words a person on call can act on, such as
     * {@code "sink 'totals' cannot reach its database: attempt 3 of 10 failed (connection refused)"}. Called from any thread, at any time, often: read fields, never block.
     *
     * @return the reason, or null
     */
    protected String notReadyReason() {
        return null;
    }

    @Override
    final String notReady() {
        return notReadyReason();
    }

    /**
     * Called once instead of {@link #onEndOfInput} when the input failed: an upstream failed or
     * one of this sink's hooks threw. Release resources here; the pipeline reports the failure.
     *
     * @param error what went wrong
     */
    protected void onFailure(Throwable error) {
    }

    /**
     * Keeps the item being consumed pending beyond this call, for a sink that finishes
     * asynchronously: its source is not told it was delivered until the returned handle is
     * released (say, after a database commit or a broker acknowledgement) or failed.
     *
     * @return the handle of the item being consumed
     * @throws IllegalStateException if called outside {@link #consume}
     */
    protected final Held holdInput() {
        return inlet.hold();
    }

    @Override
    public final void onSubscribe(Flow.Subscription subscription) {
        inlet.onSubscribe(subscription);
    }

    @Override
    public final void onNext(T item) {
        inlet.onNext(item);
    }

    @Override
    public final void onError(Throwable error) {
        inlet.onError(error);
    }

    @Override
    public final void onComplete() {
        inlet.onComplete();
    }

    private final class Input implements Inlet.Receiver<T> {
        @Override
        public void started() throws Exception {
            onStart();
        }

        @Override
        public void receive(T item) throws Exception {
            consume(item);
        }

        @Override
        public void ended() throws Exception {
            onEndOfInput();
            node.finishOwnedOutlets(null);
            node.terminated.complete(null);
        }

        @Override
        public void failed(Throwable error) {
            node.report(error);
            try {
                onFailure(error);
            } finally {
                node.finishOwnedOutlets(error);
                node.terminated.complete(null);
            }
        }
    }
}
