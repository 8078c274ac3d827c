package io.nanostream.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * A pipeline step: receives items from one or more upstreams, and for each one calls
 * {@link #process}, which may {@link #emit} any number of items to every subscriber. Subclass it,
 * override {@code process}, subscribe it between a source and a sink, and run it in a
 * {@link Pipeline}.
 *
 * <p><b>Threads.</b> A step runs on threads owned by its pipeline; none run before
 * {@link Pipeline#start()}. Outside a pipeline, as a plain {@code Flow.Processor} between
 * publishers and subscribers of any library, {@link Standalone#start} runs it on threads of its own. The hooks {@link #onStart}, {@link #process} and
 * {@link #onEndOfInput} are never called concurrently, even when several upstreams feed the step,
 * and each call sees the writes of the calls before it, so a step may keep plain fields.
 *
 * <p><b>Buffer and back-pressure.</b> Each subscriber of a step has its own buffer of
 * {@code bufferSize} items (rounded up to a power of two; default 256). {@code emit} blocks while
 * any subscriber's buffer is full, so the slowest subscriber paces the step and, through it,
 * everything upstream. Upstream, a step requests {@code bufferSize} items and then half as many
 * each time it has processed half a buffer.
 *
 * <p><b>Order.</b> Items are processed in the order each upstream delivered them, and what
 * {@code process} emits reaches every subscriber in emission order.
 *
 * <p><b>Errors.</b> An exception thrown by a hook fails the pipeline: the step cancels its
 * upstreams, delivers what it already emitted, then signals {@code onError} downstream; the
 * pipeline's {@link Pipeline#await} throws a {@link PipelineException} that names the step and the
 * item. An {@code onError} from upstream travels downstream the same way. An
 * {@linkplain #withErrorPolicy error policy} may instead skip, retry or dead-letter an item whose
 * {@code process} threw.
 *
 * <p><b>Time.</b> A step that waits or keeps time reads its {@link #scheduler()} and runs timed
 * actions with {@link #schedule}, so tests can run it on virtual time. The ready-made steps are
 * in {@link Steps}.
 *
 * <p><b>Completion.</b> When every upstream has completed, {@link #onEndOfInput} runs (an
 * aggregating step emits what it holds there) and then the step completes downstream.
 *
 * <p>A step that keeps the long orders of parsed lines:
 * <pre>{@code
 * class ParseOrder extends AbstractStep<String, Order> {
 *     @Override
 *     protected void process(String line) {
 *         String[] fields = line.split(",");
 *         emit(new Order(fields[0], Integer.parseInt(fields[1])));
 *     }
 * }
 *
 * class CountPerCustomer extends AbstractStep<Order, Map<String, Integer>> {
 *     private final Map<String, Integer> counts = new HashMap<>();
 *
 *     @Override
 *     protected void process(Order order) {
 *         counts.merge(order.customer(), 1, Integer::sum);
 *     }
 *
 *     @Override
 *     protected void onEndOfInput() {
 *         emit(Map.copyOf(counts));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Configuring.</b> {@link #named} and {@link #withErrorPolicy} return the step as an
 * {@code AbstractStep}: Java has no self type, so a chain on your own class ends in the base type.
 * Your own step can take its name and policy where it is made instead, and keep its type:
 * <pre>{@code
 * class ParseOrder extends AbstractStep<String, Order> {
 *     ParseOrder(ErrorPolicy policy) {
 *         super("parse", 256);
 *         withErrorPolicy(policy);
 *     }
 *     ...
 * }
 * ParseOrder parse = new ParseOrder(ErrorPolicy.skip());
 * }</pre>
 *
 * @param <I> the type of items received
 * @param <O> the type of items emitted
 */
public abstract class AbstractStep<I, O> extends NodePublisher<O> implements Flow.Processor<I, O> {

    /*
     * Implementation notes. The publisher side (SubmissionPublisher, links, emit) is shared with
     * sources in NodePublisher; the subscriber side (fan-in, batched requests, the lock that
     * serializes user code) is shared with sinks in Inlet. An item's whole trip through process()
     * and emit() happens on the thread that delivered it, under the inlet's lock.
     */

    private final Inlet<I> inlet;

    /** Creates a step named after its class, with a buffer of 256 items per subscriber. */
    protected AbstractStep() {
        this(null, DEFAULT_BUFFER_SIZE);
    }

    /**
     * Creates a step named after its class.
     *
     * @param bufferSize the number of items buffered for each subscriber
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    protected AbstractStep(int bufferSize) {
        this(null, bufferSize);
    }

    /**
     * Creates a step.
     *
     * @param name the name used in thread names and error messages; null for the class name
     * @param bufferSize the number of items buffered for each subscriber
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    protected AbstractStep(String name, int bufferSize) {
        super(Node.Kind.STEP, name, bufferSize);
        this.inlet = new Inlet<>(node, bufferSize, false, new Input());
    }

    /**
     * Names this step, for thread names, error messages and logs; the default is the class name.
     *
     * @param name the name
     * @return this step
     * @throws NullPointerException if name is null
     * @throws IllegalStateException if the step was already named with this method, or already belongs to a
     *     pipeline
     */
    public final AbstractStep<I, O> named(String name) {
        node.rename(name);
        return this;
    }

    /**
     * Sets what this step does when {@link #process} throws on an item; the default is
     * {@link ErrorPolicy#fail()}. A dead-letter policy subscribes its subscriber now.
     *
     * @param policy the policy
     * @return this step
     * @throws NullPointerException if policy is null
     * @throws IllegalStateException if a policy was already set, or the step already belongs to a
     *     pipeline
     */
    public final AbstractStep<I, O> withErrorPolicy(ErrorPolicy policy) {
        node.setErrorPolicy(policy);
        return this;
    }

    /**
     * Returns the scheduler this step takes its time from: its pipeline's (see
     * {@link Pipeline#withScheduler}), or the system clock outside a pipeline. Read time from it,
     * never from {@code System.nanoTime()}, so that tests can run the step on virtual time.
     *
     * @return the scheduler
     */
    protected final Scheduler scheduler() {
        return node.scheduler();
    }

    /**
     * Runs {@code action} once after {@code delay}, like an item: never concurrently with
     * {@link #process} or another action, and able to {@link #emit}. It does not run once the step
     * has ended or failed; if it throws, the pipeline fails. What it emits carries no input's
     * delivery tracking unless emitted with {@link #emit(Object, Collection)}.
     *
     * @param delay how long to wait, on this step's {@linkplain #scheduler() scheduler}
     * @param action what to run
     * @return a handle that cancels the action if it has not started
     * @throws NullPointerException if delay or action is null
     */
    protected final Scheduler.Task schedule(Duration delay, Runnable action) {
        Checks.notNull(action, "action");
        return scheduler().schedule(Checks.notNull(delay, "delay"), () -> runExclusive(action));
    }

    /** Runs an action now on this step's threads, serialized with its item handling. */
    final void runExclusive(Runnable action) {
        node.runTimed(executor(), () -> inlet.runExclusive(action));
    }

    /** The number of items taken but not yet emitted or settled; asynchronous steps override. */
    int inFlight() {
        return 0;
    }

    /** For a step that calls out per item: its calls now, for {@link NodeMetrics}; else null. */
    Calls calls() {
        return null;
    }

    /** A step's calls now: see {@link NodeMetrics#callsInFlight()} and the two after it. */
    record Calls(long inFlight, long keysWaiting, Duration oldest) {
    }

    /**
     * Settles a held input whose call is over: emits the call's result from it, or puts the
     * call's failure through the error policy; then releases it. A result of null is a failure.
     *
     * @throws PipelineException if the policy does not settle the failure (the input is failed)
     */
    final void settleCall(I item, O result, Throwable error, int attempts, Held input) {
        Throwable failure = error != null || result != null ? error : new NullPointerException("the call of "
                + node.label() + " for \"" + Checks.describe(item) + "\" gave null; give a value");
        if (failure == null) {
            emit(result, Collections.singletonList(input));
        } else if (!node.failures.settle(item, failure, attempts, HeldInput.lineageOf(input))) {
            PipelineException pipelineFailure = node.failure(item, failure);
            input.fail(pipelineFailure);
            throw pipelineFailure;
        }
        input.release();
    }

    /**
     * Called once this step failed, or every subscriber cancelled: what it started on other
     * threads may be cancelled. On one of its threads, under its lock or not.
     */
    void onTerminated() {
    }

    /** Set, without the step's lock, as soon as every subscriber cancelled. */
    volatile boolean cancelled;

    /**
     * Whether a step waiting for work it started elsewhere should give up: every subscriber
     * cancelled, or its pipeline failed. The failure or cancellation that ends the step takes the
     * lock a waiting step holds, so it must notice by itself.
     */
    final boolean shouldGiveUp() {
        Pipeline pipeline = node.pipeline();
        return cancelled || pipeline != null && pipeline.state() == Pipeline.State.FAILED;
    }

    /**
     * Called once, before the first item.
     *
     * @throws Exception to fail the pipeline
     */
    protected void onStart() throws Exception {
    }

    /**
     * Handles one item; call {@link #emit} for each result, or not at all to drop it.
     *
     * @param item the item, never null
     * @throws Exception to fail the pipeline; the failure names this step and the item
     */
    protected abstract void process(I item) throws Exception;

    /**
     * Called once after the last item, when every upstream has completed; may still
     * {@link #emit}.
     *
     * @throws Exception to fail the pipeline
     */
    protected void onEndOfInput() throws Exception {
    }

    /**
     * Keeps the item being processed pending beyond this call: its source is not told it was
     * delivered until the returned handle is released or failed. Pass held inputs to
     * {@link #emit(Object, Collection)} to say which inputs an output came from; see {@link Held}.
     *
     * @return the handle of the item being processed
     * @throws IllegalStateException if called outside {@link #process}
     */
    protected final Held holdInput() {
        return inlet.hold();
    }

    /**
     * Emits an item derived from the given held inputs, rather than from the item being
     * processed: how an aggregating step says what an aggregate came from. The inputs stay held;
     * release them once nothing more is emitted from them.
     *
     * @param item the item, not null
     * @param inputs inputs returned by {@link #holdInput()}, not yet released
     * @throws NullPointerException if item or inputs is null
     * @throws IllegalArgumentException if an input was not returned by {@code holdInput()}
     * @throws IllegalStateException if an input was already released or failed, or this step has
     *     already completed or failed
     */
    protected final void emit(O item, Collection<? extends Held> inputs) {
        List<Lineage> lineages = new ArrayList<>();
        for (Held input : Checks.notNull(inputs, "inputs")) {
            lineages.add(HeldInput.lineageOf(input));
        }
        send(item, Lineage.union(lineages));
    }

    @Override
    final Lineage currentLineage() {
        return inlet.current();
    }

    @Override
    public final void onSubscribe(Flow.Subscription subscription) {
        inlet.onSubscribe(subscription);
    }

    @Override
    public final void onNext(I item) {
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

    final Inlet<I> inlet() {
        return inlet;
    }

    @Override
    final void firstRequest() {
        // Not on the requesting thread: a synchronous upstream would deliver on it, and this
        // step would block in emit waiting for the very subscriber whose request runs here.
        executor().execute(inlet::openDemand);
    }

    @Override
    final void everySubscriberCancelled() {
        cancelled = true;
        // Not on the cancelling thread: this step may be blocked in emit, holding its inlet's
        // lock and its publisher's, until that very thread frees buffer space.
        executor().execute(() -> {
            inlet.cancel();
            finish(null);
            onTerminated();
        });
    }

    private final class Input implements Inlet.Receiver<I> {
        @Override
        public void started() throws Exception {
            onStart();
        }

        @Override
        public void receive(I item) throws Exception {
            process(item);
        }

        @Override
        public void ended() throws Exception {
            onEndOfInput();
            finish(null);
        }

        @Override
        public void failed(Throwable error) {
            node.report(error);
            finish(error);
            onTerminated();
        }
    }
}
