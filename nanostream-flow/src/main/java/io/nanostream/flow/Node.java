package io.nanostream.flow;

import io.nanostream.flow.internal.JoinChecks;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What every nanostream node (source, step, sink) knows about itself: its name, the pipeline it
 * belongs to, the nanostream publishers that feed it, and when it has terminated.
 */
final class Node {

    enum Kind {
        SOURCE("source", "produce()"), STEP("step", "process()"), SINK("sink", "consume()"),
        OUTLET("outlet", "process()");

        final String word;
        final String hook;

        Kind(String word, String hook) {
            this.word = word;
            this.hook = hook;
        }
    }

    final Kind kind;
    /** The source, step, sink or outlet this node is. */
    final NodeBase owner;
    /**
     * Whether this node must receive each item through its own delivery, never fused into the
     * step before it (whose items would then share one delivery): see {@link JoinChecks#refuseFusion}.
     */
    volatile boolean refusesFusion;
    /** What this node checks of a pipeline before it joins it; null if nothing. */
    volatile java.util.function.Consumer<JoinChecks.Members> joinCheck;
    /** Settable until the node joins a pipeline; see {@link #rename}. */
    volatile String name;
    /** Whether {@link #rename} named this node already: it replaces the name of construction once. */
    private boolean named;
    /** The nanostream publishers subscribed to this node, registered when they subscribe it. */
    final List<NodePublisher<?>> upstreams = new CopyOnWriteArrayList<>();
    /**
     * The publishers this node emits through: a source or step itself, then the dead-letter
     * outlet of its error policy if any; a partition's outputs. A pipeline walks the graph
     * through them.
     */
    final List<NodePublisher<?>> outlets = new CopyOnWriteArrayList<>();
    /** What this node does when its code throws on an item. */
    final ItemFailures failures = new ItemFailures(this);
    /** Completes when this node has delivered or received its last signal. */
    final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /**
     * For a source: the partitions it reads now, as it last announced them; null if it never did.
     * Replaced whole, never changed in place.
     */
    volatile Assignment assignment;
    /** The last assignment number given to a partition of this source; written under this node's lock. */
    private volatile long lastEpoch;
    private volatile Pipeline pipeline;
    /** The subscriber side of a step or sink; null for a source. */
    private Inlet<?> inlet;

    /** Scheduler of a node outside any pipeline, created when first asked for. */
    private SystemScheduler standaloneScheduler;
    /** The threads of a node {@linkplain #startAlone running alone}; null otherwise. */
    private volatile WorkerThreads aloneThreads;

    /** A source announced the partitions it reads now; a partition new to it gets a new number. */
    synchronized void announce(java.util.Collection<?> partitions) {
        assignment = Assignment.next(assignment, partitions, () -> ++lastEpoch);
    }

    /** How many partitions this source was assigned so far: the last assignment number given. */
    long partitionsAssigned() {
        return lastEpoch;
    }

    /** The number of the assignment of {@code partition} an item read now would carry. */
    long epochOf(Object partition) {
        Assignment current = assignment;
        return current == null ? Assignment.UNANNOUNCED : current.epochOf(partition);
    }

    Node(Kind kind, String name, NodeBase owner) {
        this.kind = kind;
        this.owner = owner;
        this.name = name != null ? name : defaultName(owner.getClass());
    }

    /** The node a source, step, sink or partition is; null for a publisher or subscriber outside nanostream. */
    static Node of(Object candidate) {
        return candidate instanceof NodeBase ? ((NodeBase) candidate).node : null;
    }

    /** Names this node; only while it is being built, before it joins a pipeline, and only once. */
    synchronized void rename(String newName) {
        Checks.notNull(newName, "name");
        Checks.state(pipeline == null, label() + " cannot be renamed to '" + newName
                + "': it already belongs to a pipeline; name it before building the pipeline");
        Checks.state(!named, label() + " was already named; name it once");
        named = true;
        String oldName = name;
        name = newName;
        for (NodePublisher<?> outlet : outlets) {
            if (outlet.node != this && outlet.node.name.startsWith(oldName)) { // "x dead letters", "x[2]"
                outlet.node.name = newName + outlet.node.name.substring(oldName.length());
            }
        }
    }

    /** Sets the error policy; only while the node is being built, and only once. */
    void setErrorPolicy(ErrorPolicy policy) {
        Checks.state(pipeline == null, label() + " cannot take error policy " + policy
                + ": it already belongs to a pipeline; set it before building the pipeline");
        failures.setPolicy(policy);
    }

    /** Binds every outlet to the given threads. */
    void bind(java.util.concurrent.Executor threads) {
        for (NodePublisher<?> outlet : outlets) {
            outlet.bind(threads);
        }
    }

    /** Ends the outlets other than the node itself: they emit only what the node emits. */
    void finishOwnedOutlets(Throwable error) {
        for (NodePublisher<?> outlet : outlets) {
            if (outlet.node != this) {
                outlet.finish(error);
            }
        }
    }

    /** The scheduler of this node's pipeline, or outside a pipeline one of its own. */
    Scheduler scheduler() {
        Pipeline owner = pipeline;
        return owner != null ? owner.scheduler() : standaloneScheduler();
    }

    private synchronized Scheduler standaloneScheduler() {
        if (standaloneScheduler == null) {
            standaloneScheduler = new SystemScheduler(name);
        }
        return standaloneScheduler;
    }

    /**
     * The threads that run this node's timed actions: its pipeline's, its own when it runs alone,
     * or else the caller's.
     */
    java.util.concurrent.Executor executor() {
        Pipeline owner = pipeline;
        java.util.concurrent.Executor threads = owner != null ? owner.threads() : aloneThreads;
        return threads != null ? threads : Runnable::run;
    }

    /**
     * Runs this source or step outside any pipeline, on daemon threads of its own that end once
     * idle after it terminates; see {@link Standalone}.
     */
    void startAlone() {
        WorkerThreads threads = new WorkerThreads(name, true);
        synchronized (this) {
            Pipeline owner = pipeline;
            if (owner != null) {
                throw new IllegalStateException(label() + " belongs to pipeline '" + owner.name()
                        + "', which starts it; a node runs in a pipeline or alone, not both");
            }
            Checks.state(aloneThreads == null, label() + " already runs alone; start it once");
            aloneThreads = threads;
        }
        AbstractSource<?> source = kind == Kind.SOURCE ? (AbstractSource<?>) outlets.get(0) : null;
        if (source != null && source.tracksDelivery()) {
            for (NodePublisher<?> outlet : outlets) {
                outlet.enableTracking();
            }
        }
        bind(threads);
        if (source != null) {
            source.startProducing(threads);
        }
    }

    /**
     * Settles an input whose handling failed after the call that received it (an asynchronous
     * write, say), by the error policy; a retry policy applies its fallback. Called under the
     * inlet's lock.
     *
     * @throws PipelineException if the policy fails the pipeline; the input is failed with it
     */
    void settleLater(Held input, Object item, Throwable error) {
        Lineage lineage = HeldInput.lineageOf(input);
        if (!failures.settle(item, error, 1, lineage)) {
            PipelineException failure = failure(item, error);
            input.fail(failure);
            throw failure;
        }
        input.release();
    }

    /**
     * Runs a timed action on {@code threads}: a timer fired, and the action must not run on the
     * timer's thread, since it may block in emit. The pipeline counts it as work in progress.
     */
    void runTimed(java.util.concurrent.Executor threads, Runnable action) {
        Pipeline owner = pipeline;
        if (owner != null) {
            owner.timedActionStarted();
        }
        try {
            threads.execute(() -> {
                try {
                    action.run();
                } finally {
                    if (owner != null) {
                        owner.timedActionEnded();
                    }
                }
            });
        } catch (RuntimeException e) {
            if (owner != null) {
                owner.timedActionEnded();
            }
            throw e;
        }
    }

    private static String defaultName(Class<?> type) {
        String simple = type.getSimpleName();
        if (!simple.isEmpty()) {
            return simple;
        }
        String full = type.getName();
        return full.substring(full.lastIndexOf('.') + 1);
    }

    void setInlet(Inlet<?> subscriberSide) {
        inlet = subscriberSide;
    }

    /** Returns the subscriber side of a step or sink, or null for a source. */
    Inlet<?> inlet() {
        return inlet;
    }

    /** This node's counters now; see {@link NodeMetrics}. */
    NodeMetrics metrics() {
        long out = 0;
        for (NodePublisher<?> outlet : outlets) {
            if (!(outlet instanceof DeadLetterOutlet)) {
                out += outlet.emittedCount();
            }
        }
        long queued = 0;
        long capacity = 0;
        if (inlet != null) {
            for (Link<?> link : inlet.links()) {
                queued += link.terminated.isDone() ? 0 : Math.max(0, link.lag());
                capacity += link.isDirect() ? 0 : link.from.bufferCapacity();
            }
        }
        boolean source = kind == Kind.SOURCE;
        long in = source ? out + failures.settled.get() : inlet.received();
        long backlog = source ? ((AbstractSource<?>) outlets.get(0)).backlog() : -1;
        long alreadyProcessed = source ? ((AbstractSource<?>) outlets.get(0)).alreadyProcessed() : 0;
        AbstractStep.Calls calls = outlets.isEmpty() || !(outlets.get(0) instanceof AbstractStep<?, ?> step) ? null
                : step.calls();
        NodeMetrics.Kind role = source ? NodeMetrics.Kind.SOURCE
                : kind == Kind.SINK ? NodeMetrics.Kind.SINK : NodeMetrics.Kind.STEP;
        return new NodeMetrics(name, role, in, source ? out : kind == Kind.SINK ? 0 : out, failures.errors(),
                failures.retried.get(), failures.skipped.get(), failures.deadLettered.get(), queued, capacity, backlog,
                alreadyProcessed, java.time.Duration.ofNanos(source ? 0 : inlet.busyNanos()),
                calls == null ? -1 : calls.inFlight(), calls == null ? -1 : calls.keysWaiting(),
                calls == null ? java.time.Duration.ZERO : calls.oldest());
    }

    /** For a source: whether items of {@code partition} wait to be emitted. */
    boolean hasWaiting(Object partition) {
        return kind == Kind.SOURCE && ((AbstractSource<?>) outlets.get(0)).hasWaiting(partition);
    }

    String label() {
        return kind.word + " '" + name + "'";
    }

    Pipeline pipeline() {
        return pipeline;
    }

    /**
     * This node completed or failed downstream, or lost its last subscriber: if it runs alone, its
     * threads end once idle, though they still deliver what is buffered.
     */
    void ended() {
        WorkerThreads threads = aloneThreads;
        if (threads != null) {
            threads.releaseIdle();
        }
    }

    synchronized void joinPipeline(Pipeline owner) {
        Checks.state(pipeline == null, label() + " already belongs to a pipeline; a node runs in one pipeline only");
        Checks.state(aloneThreads == null, label() + " already runs alone (Standalone.start); a node runs in a"
                + " pipeline or alone, not both");
        pipeline = owner;
    }

    /**
     * The failure to report when user code of this node threw, while handling {@code item} or,
     * with a null item, in a lifecycle hook.
     */
    PipelineException failure(Object item, Throwable cause) {
        String message = item == null
                ? label() + " failed: " + cause
                : label() + " failed on item \"" + Checks.describe(item) + "\": " + cause
                        + ". Fix the cause, or give it an ErrorPolicy (skip, retry, dead-letter) to go on.";
        return new PipelineException(name, message, cause);
    }

    /** Tells the pipeline, if any, that this node failed; the first failure wins. */
    void report(Throwable failure) {
        Pipeline owner = pipeline;
        if (owner != null) {
            owner.fail(failure instanceof PipelineException
                    ? (PipelineException) failure
                    : new PipelineException(name, label() + " failed: " + failure, failure));
        }
    }
}
