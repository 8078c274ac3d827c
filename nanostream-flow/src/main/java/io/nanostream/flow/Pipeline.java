package io.nanostream.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import io.nanostream.flow.internal.Quiescence;

/**
 * A graph of sources, steps and sinks, run on threads the pipeline owns. Wire the nodes with
 * plain {@link Flow.Publisher#subscribe}, then build the pipeline from its sources: it walks the
 * subscriptions to find every node and checks the graph before anything runs.
 *
 * <p>{@link #start()} returns at once; {@link #await} waits until every sink has seen the end of
 * its input, and throws the first failure. {@link #stop()} asks the sources to stop: what they
 * already emitted still reaches the sinks, then everything completes. {@link #close()} stops,
 * waits, and releases the threads; use the pipeline in try-with-resources.
 *
 * <pre>{@code
 * var source = InMemorySource.of("a,120", "b,5", "c,300");
 * var parse = new ParseOrder();
 * var sink = new CollectingSink<Order>();
 * source.subscribe(parse);
 * parse.subscribe(sink);
 * try (var pipeline = Pipeline.from(source)) {
 *     pipeline.start();
 *     pipeline.await(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A pipeline never uses the common pool nor {@code SubmissionPublisher}'s
 * default executor. Its threads grow with the number of busy links, because a step blocked in
 * {@code emit} holds its thread, and are reused while the pipeline runs.
 *
 * <p><b>Sources.</b> A source is an {@link AbstractSource}, or an {@link AbstractStep} subscribed
 * to a publisher outside nanostream. Subscribers outside nanostream may sit anywhere downstream;
 * the pipeline counts them as done when they receive their terminal signal or cancel.
 */
public final class Pipeline implements AutoCloseable {

    /** The states of a pipeline, in the order it passes through them. */
    public enum State {
        /** Built, not started. */
        NEW,
        /** Started; items flow. */
        RUNNING,
        /** Asked to stop; sources have stopped or are stopping, emitted items still flow. */
        STOPPING,
        /** Every sink has seen the end of its input. */
        COMPLETED,
        /** A node failed; the failure is thrown by {@link #await}. */
        FAILED
    }

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final System.Logger LOG = System.getLogger("io.nanostream.flow");
    /** Callers in {@link #await} now: a failure they receive is not logged above DEBUG as well; else it is at ERROR. */
    private final java.util.concurrent.atomic.AtomicInteger awaiting = new java.util.concurrent.atomic.AtomicInteger();

    private volatile String name;
    /** The nodes and their subscriptions, found and checked when the pipeline was built. */
    private final PipelineGraph graph;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicReference<PipelineException> failure = new AtomicReference<>();
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private volatile WorkerThreads threads;
    private volatile Scheduler scheduler;
    /** The system scheduler this pipeline made for itself, shut down on close; else null. */
    private volatile SystemScheduler ownScheduler;
    /** Timed actions handed to the threads and not finished yet. */
    private final AtomicInteger timedActions = new AtomicInteger();
    private final Object schedulerLock = new Object();

    static {
        Quiescence.install(Pipeline::busyWith, AbstractSource::isWaiting);
    }
    private volatile boolean closed;
    /** The scheduler's nanoTime at start and at the end; see {@link #metrics()}. */
    private volatile long startedNanos;
    private volatile long endedNanos;
    /**
     * What watches the pipeline while it runs: its MBean and Flight Recorder metrics, attached at
     * the start, and progress reporters, attached when asked for.
     */
    private final List<PipelineObserver> observers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The snapshots {@link #health()} judges movement by. */
    private final PipelineHealth.Looks healthLooks = new PipelineHealth.Looks();
    /** The shutdown hook of {@link #runUntilShutdown}, once it was called; else null. */
    private final AtomicReference<Thread> shutdownHook = new AtomicReference<>();

    private Pipeline(List<? extends Flow.Publisher<?>> roots) {
        this.graph = new PipelineGraph(roots);
        this.name = ((NodePublisher<?>) roots.get(0)).name();
        graph.checkJoining();
        graph.joinPipeline(this);
    }

    /**
     * Builds a pipeline from its sources, finding every node subscribed to them, directly or
     * further downstream.
     *
     * @param sources the sources: {@link AbstractSource}s, or {@link AbstractStep}s subscribed to
     *     publishers outside nanostream
     * @return a new pipeline, not started
     * @throws NullPointerException if a source is null
     * @throws IllegalArgumentException if the graph has a cycle, a source or step without
     *     subscribers, or a node fed from a publisher not reachable from these sources
     * @throws IllegalStateException if sources is empty or a node already belongs to a pipeline
     */
    public static Pipeline from(Flow.Publisher<?>... sources) {
        return new Pipeline(Arrays.asList(Checks.notNull(sources, "sources").clone()));
    }

    /**
     * Builds a pipeline from its sources; see {@link #from(Flow.Publisher...)}.
     *
     * @param sources the sources
     * @return a new pipeline, not started
     * @throws NullPointerException if a source is null
     * @throws IllegalArgumentException if the graph is not a valid pipeline
     * @throws IllegalStateException if sources is empty or a node already belongs to a pipeline
     */
    public static Pipeline from(Collection<? extends Flow.Publisher<?>> sources) {
        return new Pipeline(new ArrayList<>(Checks.notNull(sources, "sources")));
    }

    /**
     * Makes every node of this pipeline take its time from {@code scheduler}: time windows,
     * batch timeouts, throttling, retry backoff, {@link AbstractStep#schedule}, and what sources
     * and sinks time by {@code scheduler()}, such as a Kafka source's commit interval. Without it a
     * pipeline uses the system clock and a timer thread of its own. Tests pass the testkit's
     * virtual time here.
     *
     * @param scheduler the scheduler
     * @return this pipeline
     * @throws NullPointerException if scheduler is null
     * @throws IllegalStateException if the pipeline was already started
     */
    public Pipeline withScheduler(Scheduler scheduler) {
        Checks.notNull(scheduler, "scheduler");
        Checks.state(state.get() == State.NEW && threads == null,
                "pipeline '" + name + "' is already " + state.get() + "; set its scheduler before start()");
        this.scheduler = scheduler;
        return this;
    }

    /** The scheduler the nodes take their time from; the system's until started with another. */
    Scheduler scheduler() {
        Scheduler current = scheduler;
        if (current == null) {
            synchronized (schedulerLock) {
                if (scheduler == null) {
                    ownScheduler = new SystemScheduler(name);
                    scheduler = ownScheduler;
                }
                current = scheduler;
            }
        }
        return current;
    }

    /** The pipeline's threads; null before start. */
    java.util.concurrent.Executor threads() {
        return threads;
    }

    void timedActionStarted() {
        timedActions.incrementAndGet();
    }

    void timedActionEnded() {
        timedActions.decrementAndGet();
    }

    /**
     * Says what keeps this pipeline busy, or null when it is idle: nothing buffered or handled in
     * its graph (see {@link PipelineGraph#busyWith}), and no timed action running.
     */
    String busyWith(Predicate<AbstractSource<?>> sourceIdle, Predicate<Thread> waitingOnTime) {
        String busy = graph.busyWith(sourceIdle, waitingOnTime);
        if (busy != null) {
            return busy;
        }
        return timedActions.get() > 0 ? "a timed action is running" : null;
    }

    /**
     * Starts every node; returns at once.
     *
     * @throws IllegalStateException if the pipeline was already started or closed
     */
    public void start() {
        Checks.state(!closed && state.compareAndSet(State.NEW, State.RUNNING),
                "pipeline '" + name + "' cannot start: it is " + (closed ? "closed" : state.get()));
        threads = new WorkerThreads(name);
        boolean tracking = graph.tracksDelivery();
        for (NodePublisher<?> publisher : graph.publishers) {
            if (tracking) {
                publisher.enableTracking();
            }
            publisher.fuseWithLoneSubscriber();
            publisher.bind(threads);
        }
        startedNanos = scheduler().nanoTime();
        observers.add(0, new PipelineMBean(this));
        observers.add(1, new FlightEvents.PeriodicMetrics(this));
        for (PipelineObserver observer : observers) {
            observer.started();
        }
        FlightEvents.stateChanged(name, State.RUNNING, null);
        LOG.log(System.Logger.Level.DEBUG, () -> "pipeline '" + name + "' started: " + graph.describe());
        List<CompletableFuture<Void>> ends = graph.ends();
        for (AbstractSource<?> source : graph.sources) {
            source.startProducing(threads);
        }
        CompletableFuture.allOf(ends.toArray(new CompletableFuture<?>[0])).whenComplete((ok, error) -> {
            endedNanos = scheduler().nanoTime();
            state.set(failure.get() == null ? State.COMPLETED : State.FAILED);
            try {
                for (PipelineObserver observer : observers) {
                    observer.ended();
                }
                FlightEvents.stateChanged(name, state.get(), failure.get());
                logEnd();
            } finally {
                finished.complete(null); // last: await returns once everything above is done
            }
        });
    }

    private void logEnd() {
        String took = String.format(java.util.Locale.ROOT, "%.3f s", (endedNanos - startedNanos) / 1e9);
        PipelineException error = failure.get();
        if (error == null) {
            LOG.log(System.Logger.Level.DEBUG, () -> "pipeline '" + name + "' completed after " + took);
        } else if (awaiting.get() > 0) { // the caller receives it
            LOG.log(System.Logger.Level.DEBUG, () -> "pipeline '" + name + "' failed after " + took + ": "
                    + error.getMessage(), error);
        } else { // nobody else may ever see it
            LOG.log(System.Logger.Level.ERROR, () -> "pipeline '" + name + "' failed after " + took + ": "
                    + error.getMessage(), error);
        }
    }

    /**
     * Returns a snapshot of every node's counters: items in and out, errors, skips and dead
     * letters, buffers, and a source's backlog. It reads counters the pipeline keeps anyway,
     * so calling it every second costs nothing the items notice.
     *
     * <pre>{@code
     * PipelineMetrics metrics = pipeline.metrics();
     * long parsed = metrics.node("parse").out();
     * }</pre>
     *
     * @return the snapshot, nodes upstream first
     */
    public PipelineMetrics metrics() {
        State now = state.get();
        long elapsed = 0;
        if (now != State.NEW) {
            elapsed = (finished.isDone() ? endedNanos : scheduler().nanoTime()) - startedNanos;
        }
        List<NodeMetrics> nodes = new ArrayList<>();
        for (Node node : graph.nodesInOrder) {
            nodes.add(node.metrics());
        }
        return new PipelineMetrics(name, now, Duration.ofNanos(Math.max(0, elapsed)), nodes);
    }

    /**
     * Says whether this pipeline is up and ready, and if not, why (see {@link PipelineHealth}):
     * from its state, what its sources and sinks say of themselves (a Kafka source without
     * partitions, a JDBC sink retrying a lost database), and how its counters moved since a look
     * at least 5 seconds before (a source that read nothing with records waiting, or that would
     * need more than a minute to read what waits; a step or sink that failed every item). Call it
     * as probes do, every few seconds; cheap enough to call often.
     *
     * <pre>{@code
     * PipelineHealth health = pipeline.health();
     * int status = health.ready() ? 200 : 503;
     * }</pre>
     *
     * @return the pipeline's health now
     */
    public PipelineHealth health() {
        return health(metrics());
    }

    /** The health judged from {@code now}, a snapshot just taken: for callers that need both. */
    PipelineHealth health(PipelineMetrics now) {
        PipelineMetrics base = healthLooks.baseFor(now);
        List<String> nodesNotReady = new ArrayList<>();
        for (Node node : graph.nodesInOrder) {
            try {
                String reason = node.owner.notReady();
                if (reason != null) {
                    nodesNotReady.add(reason);
                }
            } catch (RuntimeException e) {
                nodesNotReady.add(node.label() + " could not say whether it is ready: " + e);
            }
        }
        return PipelineHealth.of(state.get(), failure.get(), nodesNotReady, now, base);
    }

    /**
     * Draws this pipeline as a <a href="https://mermaid.js.org/syntax/flowchart.html">Mermaid</a>
     * flowchart, which GitHub, GitLab and many editors render: sources as stadiums, steps as
     * boxes, sinks as cylinders, subscribers outside nanostream as hexagons, one arrow per
     * subscription, dotted and labelled for dead letters and a partition's lanes.
     *
     * <pre>{@code
     * System.out.println("```mermaid\n" + pipeline.toMermaid() + "```");
     * // flowchart LR
     * //     n0(["orders"])
     * //     n1["parse"]
     * //     n2[("database")]
     * //     n0 --> n1
     * //     n1 --> n2
     * }</pre>
     *
     * @return the flowchart's text
     */
    public String toMermaid() {
        return topology().mermaid();
    }

    /**
     * Draws this pipeline in Graphviz's DOT language, for {@code dot -Tsvg}: the same picture as
     * {@link #toMermaid()}.
     *
     * <pre>{@code
     * Files.writeString(Path.of("pipeline.dot"), pipeline.toDot());  // dot -Tsvg pipeline.dot
     * }</pre>
     *
     * @return the graph's text
     */
    public String toDot() {
        return topology().dot();
    }

    /** The names of the nodes, upstream first, as {@link #metrics()} lists them. */
    List<String> nodeNames() {
        return graph.nodeNames();
    }

    private Topology topology() {
        return graph.topology(name);
    }

    /**
     * Hands {@code out} one line every {@code interval} while the pipeline runs, and a last one
     * when it ends: per node, items per second since the previous line, buffers that hold
     * items, errors, skips, dead letters, and a source's backlog (see
     * {@link PipelineMetrics#progressSince}). The time is the pipeline's scheduler's, so with
     * virtual time the lines come as the test advances it. Call it before or after start.
     *
     * <pre>{@code
     * pipeline.reportProgress(Duration.ofSeconds(5), line -> log.info(line));
     * pipeline.start();
     * // orders-etl 5s RUNNING | KafkaSource 2.0k/s backlog 0 | parse 2.0k/s | ...
     * }</pre>
     *
     * @param interval how often
     * @param out takes each line; called on the scheduler's thread, keep it short
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if interval is not positive
     * @throws IllegalStateException if the pipeline has ended or is closed
     */
    public void reportProgress(Duration interval, java.util.function.Consumer<? super String> out) {
        Checks.notNull(interval, "interval");
        Checks.notNull(out, "out");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        Checks.state(!closed && !finished.isDone(), "pipeline '" + name + "' has ended; report progress while it runs");
        ProgressReporter reporter = new ProgressReporter(this, interval, out);
        observers.add(reporter);
        if (state.get() != State.NEW) {
            reporter.started();
        }
    }

    /**
     * Asks the sources to stop, gracefully: items they already emitted still reach the sinks,
     * then the pipeline completes. Returns at once; {@link #await} waits for the end. Does
     * nothing if the pipeline is not running.
     */
    public void stop() {
        if (state.compareAndSet(State.RUNNING, State.STOPPING)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "pipeline '" + name + "' stopping: its sources stop, what they"
                    + " emitted still flows");
            FlightEvents.stateChanged(name, State.STOPPING, null);
            for (AbstractSource<?> source : graph.sources) {
                source.stop(null);
            }
            for (AbstractStep<?, ?> step : graph.entrySteps) {
                step.inlet().stop();
            }
        }
    }

    /**
     * Waits until every sink has seen the end of its input.
     *
     * @param timeout how long to wait at most
     * @throws PipelineException if a node failed; the message names the node and item
     * @throws TimeoutException if the pipeline did not finish in time; the message says which
     *     nodes were still running
     * @throws InterruptedException if the calling thread was interrupted while waiting
     * @throws IllegalStateException if the pipeline was never started
     */
    public void await(Duration timeout) throws InterruptedException, TimeoutException {
        Checks.notNull(timeout, "timeout");
        Checks.state(state.get() != State.NEW, "pipeline '" + name + "' was not started: call start() first");
        awaiting.incrementAndGet();
        try {
            finished.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // finished never completes exceptionally
        } catch (TimeoutException e) {
            throw new TimeoutException("pipeline '" + name + "' did not finish within " + timeout
                    + "; state " + state.get() + "; still running: " + graph.unfinished());
        } finally {
            awaiting.decrementAndGet();
        }
        PipelineException error = failure.get();
        if (error != null) {
            throw error;
        }
    }

    /**
     * Runs this pipeline as the work of a service's {@code main}: starts it unless it runs, and
     * returns when it ends. When the JVM is asked to shut down first (SIGTERM from systemd,
     * Kubernetes or {@code docker stop}, SIGINT from Ctrl-C, or {@code System.exit} elsewhere), a
     * shutdown hook stops the pipeline gracefully: the sources stop and commit what was
     * processed, what they emitted drains to the sinks, and the pipeline is
     * {@linkplain #close(Duration) closed} with {@code stopTimeout} (what still runs after it is
     * failed). The JVM exits once that is done, with the status the signal gives (143 after
     * SIGTERM, 130 after SIGINT), and this method does not return then: the JVM is going away,
     * and nothing {@code main} did after it would be sure to finish (use
     * {@link #runUntilShutdown(Duration, Runnable)} for work that must). A failure during that
     * stop is also written to standard error, since logging may have shut down by then. A
     * pipeline that ends by itself is closed here, its shutdown hook removed.
     *
     * <pre>{@code
     * public static void main(String[] args) throws InterruptedException {
     *     Pipeline pipeline = Pipeline.from(source).named("orders-etl");
     *     System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(30)));
     * }
     * }</pre>
     *
     * @param stopTimeout how long a graceful stop may take, and then how long the threads may
     *     take to end
     * @return the exit status for {@code main}: 0 if the pipeline completed or was stopped, 1 if
     *     it failed (the failure is logged at {@code ERROR} with its stack trace)
     * @throws InterruptedException if the calling thread was interrupted while waiting; the
     *     pipeline runs on, and a signal still stops it gracefully
     * @throws IllegalStateException if the pipeline was closed before it started, or this method
     *     was called on it before
     */
    public int runUntilShutdown(Duration stopTimeout) throws InterruptedException {
        return runUntilShutdown(stopTimeout, () -> { });
    }

    /**
     * Runs this pipeline as {@link #runUntilShutdown(Duration)} does, then {@code afterwards},
     * once the pipeline has ended and is closed, whichever way it ended: on the calling thread
     * when it ended by itself (or was stopped from another thread), in the shutdown hook after a
     * signal, before the JVM exits (a signal that comes while it runs on the calling thread waits
     * for it, up to {@code stopTimeout}). For what a service does at its end beside the pipeline:
     * shut down an executor or a connection pool, flush a report, print a summary. After a signal, {@code afterwards}
     * has no time limit of its own: keep it short, as the process manager sends SIGKILL after
     * its own grace period (30 s in Kubernetes, 90 s under systemd by default).
     *
     * <pre>{@code
     * ExecutorService lookups = Executors.newFixedThreadPool(64); // where a step's blocking calls run
     * Pipeline pipeline = Pipeline.from(source).named("orders-etl");
     * System.exit(pipeline.runUntilShutdown(Duration.ofSeconds(30), lookups::shutdown));
     * }</pre>
     *
     * @param stopTimeout how long a graceful stop may take, and then how long the threads may
     *     take to end
     * @param afterwards what to run once the pipeline is closed, which must not call
     *     {@code System.exit} itself; what it throws is logged at {@code ERROR} (and written to
     *     standard error after a signal)
     * @return the exit status for {@code main}: 0 if the pipeline completed or was stopped and
     *     {@code afterwards} returned normally, 1 otherwise
     * @throws InterruptedException if the calling thread was interrupted while waiting; the
     *     pipeline runs on, and a signal still stops it gracefully
     * @throws IllegalStateException if the pipeline was closed before it started, or this method
     *     was called on it before
     */
    public int runUntilShutdown(Duration stopTimeout, Runnable afterwards) throws InterruptedException {
        Checks.notNull(stopTimeout, "stopTimeout");
        Checks.notNull(afterwards, "afterwards");
        AtomicBoolean ending = new AtomicBoolean(); // set by whichever runs `afterwards`: the caller or the hook
        CountDownLatch callerDone = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            if (!finished.isDone()) {
                LOG.log(System.Logger.Level.INFO, () -> "pipeline '" + name + "' stopping: the JVM is shutting down");
            }
            close(stopTimeout);
            PipelineException error = failure.get();
            if (error != null) { // logging may be shut down already by its own hook
                System.err.println("pipeline '" + name + "' failed: " + error.getMessage());
            }
            if (ending.compareAndSet(false, true)) {
                RuntimeException failed = runAfterwards(afterwards);
                if (failed != null) {
                    System.err.println("pipeline '" + name + "': what runs after it failed: " + failed);
                }
                return;
            }
            try { // the caller runs it: the JVM exits once it has (bounded, in case it called System.exit)
                callerDone.await(stopTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nanostream-" + name + "-shutdown");
        Checks.state(shutdownHook.compareAndSet(null, hook), "pipeline '" + name + "' already runs until shutdown");
        Runtime.getRuntime().addShutdownHook(hook); // before the start: a signal from now on stops it gracefully
        if (state.get() == State.NEW) {
            try {
                start();
            } catch (RuntimeException e) {
                removeHook(hook);
                shutdownHook.set(null);
                throw e;
            }
        }
        try {
            finished.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // finished never completes exceptionally
        }
        if (!ending.compareAndSet(false, true)) {
            new CountDownLatch(1).await(); // the hook closes the pipeline and runs `afterwards`; the JVM exits once it has
        }
        RuntimeException failed;
        try {
            close(stopTimeout);
            failed = runAfterwards(afterwards);
        } finally {
            callerDone.countDown();
        }
        removeHook(hook); // only now: a signal while `afterwards` ran waited for it
        return failure.get() == null && failed == null ? 0 : 1;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs, or has run: the JVM is on its way out
        }
    }

    /** Runs what {@link #runUntilShutdown(Duration, Runnable)} runs at the end; returns what it threw, logged. */
    private RuntimeException runAfterwards(Runnable afterwards) {
        try {
            afterwards.run();
            return null;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "pipeline '" + name + "': what runs after it failed", e);
            return e;
        }
    }

    /**
     * Names this pipeline, for its threads, its metrics and progress lines, and its messages;
     * the default is the name of its first source.
     *
     * @param name the name
     * @return this pipeline
     * @throws NullPointerException if name is null
     * @throws IllegalStateException if the pipeline was already started
     */
    public Pipeline named(String name) {
        Checks.notNull(name, "name");
        Checks.state(state.get() == State.NEW && threads == null,
                "pipeline '" + this.name + "' is already " + state.get() + "; name it before start()");
        this.name = name;
        return this;
    }

    /**
     * Returns this pipeline's name: the one given to {@link #named}, or else its first source's.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the current state.
     *
     * @return the state
     */
    public State state() {
        return state.get();
    }

    /**
     * Stops the pipeline, waits up to 30 seconds for it to finish, and releases its threads;
     * see {@link #close(Duration)}. Does not throw the pipeline's failure: {@link #await} does.
     */
    @Override
    public void close() {
        close(CLOSE_TIMEOUT);
    }

    /**
     * Stops the pipeline, waits up to {@code timeout} for it to finish gracefully, then fails
     * whatever still runs, interrupts its threads, and waits up to {@code timeout} again for them
     * to end. Returns after at most about twice {@code timeout}. Idempotent.
     *
     * @param timeout how long each of the two waits may take
     */
    public void close(Duration timeout) {
        Checks.notNull(timeout, "timeout");
        if (closed) {
            return;
        }
        closed = true;
        if (threads == null) {
            return;
        }
        stop();
        try {
            Thread aborting = null;
            try {
                finished.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                aborting = abort(new CancellationException("pipeline '" + name + "' was closed before it finished"));
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            if (ownScheduler != null) {
                ownScheduler.shutdown(Math.max(1, deadline - System.nanoTime()));
            }
            threads.close(Math.max(1, deadline - System.nanoTime()));
            if (aborting != null) {
                TimeUnit.NANOSECONDS.timedJoin(aborting, Math.max(1, deadline - System.nanoTime()));
            }
        } catch (InterruptedException e) {
            threads.closeNow();
            Thread.currentThread().interrupt();
        }
    }

    /** How many partitions the sources were assigned so far; see {@link AbstractSink#partitionsAssigned()}. */
    long partitionsAssigned() {
        return graph.partitionsAssigned();
    }

    /** Records the first failure and stops the sources, which then fail downstream with it. */
    void fail(PipelineException error) {
        if (!failure.compareAndSet(null, error)) {
            return;
        }
        state.set(State.FAILED);
        for (AbstractSource<?> source : graph.sources) {
            source.stop(error);
        }
        for (AbstractStep<?, ?> step : graph.entrySteps) {
            step.inlet().abort(error);
        }
    }

    /**
     * Fails every publisher at once. Off the closing thread: failing a publisher takes its lock,
     * which a producer stuck in emit holds until its subscriber takes an item, and close must
     * still end on time (interrupting the threads is what unsticks that subscriber).
     */
    private Thread abort(Throwable cause) {
        fail(new PipelineException(name, cause.getMessage(), cause));
        Thread aborting = new Thread(() -> {
            for (NodePublisher<?> publisher : graph.publishers) {
                publisher.abort(cause);
            }
        }, "nanostream-" + name + "-abort");
        aborting.setDaemon(true);
        aborting.start();
        return aborting;
    }
}
