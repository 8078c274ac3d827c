package io.nanostream.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A step that runs a slow call per item, keeping the order of each key while the calls of
 * different keys run at once: {@link Steps#mapAsyncByKey} for clients that return a
 * {@link CompletionStage}, {@link Steps#mapBlockingByKey} for clients that block.
 *
 * <pre>{@code
 * AbstractStep<Payment, Receipt> charge = Steps.mapAsyncByKey(Payment::account, 256, bank::charge)
 *         .timeout(Duration.ofSeconds(5))
 *         .named("charge")
 *         .withErrorPolicy(ErrorPolicy.retry(3, Duration.ofMillis(200)));
 * }</pre>
 *
 * <p><b>Order.</b> Each key has at most one call under way: an item's call starts once the call
 * of the key's item before it is over (its result emitted, or its failure settled), so the
 * outputs of a key leave in that key's input order. Items of different keys overtake each other
 * freely. At most {@code maxInFlight} calls are under way in all; keys whose next item waits
 * for a free call take turns, first come first served.
 *
 * <p><b>Bounded memory.</b> The step holds at most {@link #maxHeld(int) maxHeld} items (default
 * {@code max(256, 4 × maxInFlight)}): items in a call, backing off before a retry, or waiting
 * behind their key's call or for a free call. Holding that many, it takes no more input until a
 * call is over, and its input buffer fills, back-pressuring upstream. So a hot key cannot make
 * a queue grow without bound; it can, with {@code maxHeld} items of its own, hold back the
 * other keys, which then wait at the input. A key's items wait behind its call, so the
 * throughput of one key is at most one call per call latency.
 *
 * <p><b>Calls at once.</b> The calls under way are at most the keys among the held items: to keep
 * {@code maxInFlight} calls busy, the held items must span that many keys. Kafka hands a consumer
 * catching up each partition's records in runs as long as its fetches ({@code
 * max.partition.fetch.bytes}, 1 MiB: tens of thousands of small records, of the few keys of one
 * partition); a smaller fetch size interleaves the partitions. The slow-call benchmark measured
 * 81 calls in flight of 256 with Kafka's default and 203 with 16 KiB (docs/BENCHMARKS.md).
 *
 * <p><b>Failures.</b> A call that fails, or does not complete within the {@link #timeout},
 * goes through the step's {@link ErrorPolicy}: a retry waits for its backoff without holding a
 * call (other keys go on) while its key's later items keep waiting, so the order holds; a skip
 * or a dead letter lets the key's next item go. A call that times out is cancelled (a blocking
 * call's thread is interrupted). When the step fails or its subscribers cancel, every call under
 * way is cancelled; a graceful {@link Pipeline#stop()} lets the calls under way, and the items
 * waiting, finish.
 *
 * <p><b>Delivery.</b> An item's source hears it was delivered only once its call's result was
 * delivered downstream (or its failure settled), as for every step: a Kafka record's offset is
 * committed only when its call and everything before it finished, and the records finished
 * out of order are not called again after a restart, as far as the commit's map of them fits its
 * metadata (docs/GUARANTEES.md).
 *
 * <p><b>Threads.</b> The step's own work runs on its pipeline's threads; an asynchronous call's
 * completion only hands its result over. Blocking calls run on the executor given to
 * {@link Steps#mapBlockingByKey(Function, int, Executor, BlockingCall)} or, without one, on
 * threads of the step's own: a virtual thread per call on JDK 21 and later, else a platform
 * thread per call under way (reused while calls come), ended when the step ends.
 *
 * <p>Its figures ({@link #callsInFlight()}, {@link #keysWaiting()}, {@link #held()},
 * {@link #oldestCall()}) may be read from any thread. Calls in flight, keys waiting and the
 * oldest call's age are also in its pipeline's {@linkplain Pipeline#metrics() metrics}
 * ({@link NodeMetrics#callsInFlight()}), its MBean, its Flight Recorder events and its
 * {@linkplain Pipeline#reportProgress progress line}: a call that hangs shows there as an
 * oldest call that keeps growing, and keys waiting above zero say that more calls at once
 * would go faster.
 *
 * @param <I> the type of input items
 * @param <O> the type of output items
 */
public final class KeyedCallStep<I, O> extends AbstractStep<I, O> {

    /**
     * A blocking call for one item, run on an executor.
     *
     * @param <I> the type of input items
     * @param <O> the type of results
     */
    @FunctionalInterface
    public interface BlockingCall<I, O> {
        /**
         * Calls out for {@code item} and waits for the answer.
         *
         * @param item the item
         * @return the result, not null
         * @throws Exception if the call failed: the step's error policy decides
         */
        O call(I item) throws Exception;
    }

    /**
     * How a call is started: it reports its end to {@code done}, once; the future cancels it.
     * Null if the user's function gave no call.
     */
    @FunctionalInterface
    interface Caller<I, O> {
        java.util.concurrent.Future<?> start(I item, BiConsumer<O, Throwable> done) throws Exception;
    }

    /** The key of items whose key function gave null: they keep one order among themselves. */
    private static final Object NULL_KEY = new Object();

    private final Function<? super I, ?> keyFunction;
    private final int maxInFlight;
    private final Caller<I, O> caller;
    private volatile int maxHeld;
    private volatile Duration timeout;

    // Under the step's lock: in process, onEndOfInput and the actions of drain.
    /** The keys with items held, each with its items in input order; the first is the one called. */
    private final Map<Object, KeyQueue> keys = new HashMap<>();
    /** Keys whose first item waits for a free call, in the order they became ready. */
    private final ArrayDeque<KeyQueue> ready = new ArrayDeque<>();
    private int running;
    private int heldCount;

    /** What happened on other threads, to be handled under the step's lock. */
    private final BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** The calls under way, for their age and for cancellation. */
    private final Set<Call> underWay = ConcurrentHashMap.newKeySet();
    private volatile int waitingKeys;
    private volatile int held;
    /** The threads of its own for blocking calls without an executor, made at the first call. */
    private final OwnThreads ownThreads;

    private KeyedCallStep(String name, Function<? super I, ?> keyFunction, int maxInFlight, Caller<I, O> caller,
            OwnThreads ownThreads) {
        super(name, DEFAULT_BUFFER_SIZE);
        this.keyFunction = Checks.notNull(keyFunction, "key");
        this.maxInFlight = Checks.positive(maxInFlight, "maxInFlight");
        this.caller = caller;
        this.maxHeld = (int) Math.min(Integer.MAX_VALUE, Math.max(256L, 4L * maxInFlight));
        this.ownThreads = ownThreads;
    }

    static <I, O> KeyedCallStep<I, O> async(Function<? super I, ?> key, int maxInFlight,
            Function<? super I, ? extends CompletionStage<? extends O>> function) {
        Checks.notNull(function, "call");
        return new KeyedCallStep<>("mapAsyncByKey", key, maxInFlight, (item, done) -> {
            CompletionStage<? extends O> stage = function.apply(item);
            if (stage == null) {
                return null;
            }
            stage.whenComplete(done::accept);
            return new StageFuture(stage);
        }, null);
    }

    static <I, O> KeyedCallStep<I, O> blocking(Function<? super I, ?> key, int maxInFlight, Executor executor,
            BlockingCall<? super I, ? extends O> call) {
        Checks.notNull(call, "call");
        OwnThreads own = executor == null ? new OwnThreads() : null;
        KeyedCallStep<I, O> step = new KeyedCallStep<>("mapBlockingByKey", key, maxInFlight, (item, done) -> {
            FutureTask<O> task = new FutureTask<>(() -> call.call(item)) {
                @Override
                protected void done() {
                    try {
                        done.accept(get(), null);
                    } catch (ExecutionException e) {
                        done.accept(null, e.getCause());
                    } catch (CancellationException | InterruptedException e) {
                        done.accept(null, e);
                    }
                }
            };
            (own != null ? own.get() : executor).execute(task);
            return task;
        }, own);
        return step;
    }

    /**
     * Sets the most items the step holds: in calls, backing off, or waiting behind their key or
     * for a free call. Call it before the pipeline starts.
     *
     * @param maxHeld at least {@code maxInFlight}
     * @return this step
     * @throws IllegalArgumentException if maxHeld is less than maxInFlight
     */
    public KeyedCallStep<I, O> maxHeld(int maxHeld) {
        if (maxHeld < maxInFlight) {
            throw new IllegalArgumentException("maxHeld is " + maxHeld + ", fewer than the " + maxInFlight
                    + " calls maxInFlight allows; give at least " + maxInFlight);
        }
        this.maxHeld = maxHeld;
        return this;
    }

    /**
     * Sets how long a call may take: one still under way then is cancelled and fails with a
     * {@link TimeoutException}, which the error policy settles like any failure. Timed on the
     * pipeline's {@link Scheduler}; under the testkit's virtual time, though, a call under way
     * keeps time from moving, so test timeouts on the system clock. No timeout by default. Call
     * it before the pipeline starts.
     *
     * @param timeout positive
     * @return this step
     * @throws NullPointerException if timeout is null
     * @throws IllegalArgumentException if timeout is not positive
     */
    public KeyedCallStep<I, O> timeout(Duration timeout) {
        this.timeout = Checks.positive(timeout, "timeout");
        return this;
    }

    /**
     * The calls under way now, retries backing off not counted.
     *
     * @return at most {@code maxInFlight}
     */
    public int callsInFlight() {
        return underWay.size();
    }

    /**
     * The keys whose next item waits for a free call now: above zero, more calls at once would
     * go faster.
     *
     * @return the number of keys
     */
    public int keysWaiting() {
        return waitingKeys;
    }

    /**
     * The items held now: in calls, backing off, or waiting behind their key or for a free call.
     *
     * @return at most {@link #maxHeld(int) maxHeld}
     */
    public int held() {
        return held;
    }

    /**
     * How long the oldest call under way has been going, on the pipeline's scheduler.
     *
     * @return zero if none is under way
     */
    public Duration oldestCall() {
        long now = scheduler().nanoTime();
        long oldest = 0;
        for (Call call : underWay) {
            oldest = Math.max(oldest, now - call.startedNanos);
        }
        return Duration.ofNanos(oldest);
    }

    @Override
    protected void process(I item) throws Exception {
        handleEvents();
        Object key = keyFunction.apply(item);
        KeyQueue queue = keys.computeIfAbsent(key == null ? NULL_KEY : key, KeyQueue::new);
        queue.items.add(new Call(item, holdInput(), queue));
        heldCount++;
        if (queue.items.size() == 1) {
            ready.add(queue);
        }
        startReady();
        while (heldCount >= maxHeld) {
            awaitEvent();
        }
    }

    @Override
    protected void onEndOfInput() throws Exception {
        while (heldCount > 0) {
            awaitEvent();
        }
        if (ownThreads != null) {
            ownThreads.shutdown(false);
        }
    }

    /**
     * Waits for the next event and handles it, holding the step's lock (the event would otherwise
     * wait for it); gives up when the pipeline failed or the subscribers cancelled, whose handling
     * waits for the lock too.
     */
    private void awaitEvent() throws InterruptedException {
        Runnable event;
        while ((event = events.poll(GIVE_UP_CHECK_MILLIS, TimeUnit.MILLISECONDS)) == null) {
            if (shouldGiveUp()) { // a PipelineException, which no error policy retries or skips
                throw new PipelineException(node.name, node.label() + " stopped waiting for its calls: its pipeline"
                        + " failed, or its subscribers cancelled", null);
            }
        }
        event.run();
    }

    /** How often a step waiting for its calls looks whether it should give up. */
    private static final long GIVE_UP_CHECK_MILLIS = 50;

    /**
     * The calls under way and the events not yet handled: what the testkit's virtual time waits
     * for before it moves. Items behind a retry's backoff are not counted. A call that only time
     * would end (one that never completes, waiting for its timeout) keeps virtual time waiting:
     * test timeouts on the system clock.
     */
    @Override
    int inFlight() {
        return underWay.size() + events.size();
    }

    @Override
    Calls calls() {
        int inFlight = callsInFlight();
        return new Calls(inFlight, keysWaiting(), inFlight == 0 ? Duration.ZERO : oldestCall());
    }

    @Override
    void onTerminated() {
        for (Call call : underWay) {
            call.cancel();
        }
        underWay.clear(); // their ends are no longer handled
        events.clear();
        if (ownThreads != null) {
            ownThreads.shutdown(true);
        }
    }

    /** Hands an event to the step's lock: to the next drain, which is scheduled unless one is. */
    private void post(Runnable event) {
        events.add(event);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                runExclusive(this::drain);
            } catch (RejectedExecutionException e) {
                // the pipeline's threads are gone: it was closed, and nothing waits for the event
            }
        }
    }

    /** The scheduled drain: handles the events posted so far, and lets the next post schedule another. */
    private void drain() {
        drainScheduled.set(false);
        handleEvents();
    }

    /** Handles the events posted so far. Under the step's lock. */
    private void handleEvents() {
        for (Runnable event = events.poll(); event != null; event = events.poll()) {
            event.run();
        }
    }

    /** Starts the first items of ready keys while calls are free. */
    private void startReady() {
        while (running < maxInFlight && !ready.isEmpty()) {
            start(ready.poll().items.peek());
        }
        updateFigures();
    }

    private void start(Call call) {
        running++;
        int attempt = ++call.attempts;
        call.startedNanos = scheduler().nanoTime();
        underWay.add(call);
        Duration limit = timeout;
        if (limit != null) {
            call.timer = scheduler().schedule(limit, () -> post(() -> timedOut(call, attempt, limit)));
        }
        try {
            call.future = caller.start(call.item, (value, error) -> post(() -> finished(call, attempt, value, error)));
            if (call.future == null) {
                throw new NullPointerException("the function of " + node.label() + " returned null for \""
                        + Checks.describe(call.item) + "\"; return a CompletionStage");
            }
        } catch (Throwable e) { // an Error too: the call slot and the key must not be lost with it
            post(() -> finished(call, attempt, null, e));
        }
    }

    private void timedOut(Call call, int attempt, Duration limit) {
        if (call.isUnderWay(attempt)) {
            call.cancel();
            finished(call, attempt, null, new TimeoutException("the call of " + node.label() + " for \""
                    + Checks.describe(call.item) + "\" did not complete within " + limit));
        }
    }

    /** An attempt ended; a late end of an attempt that timed out is ignored. */
    private void finished(Call call, int attempt, O value, Throwable error) {
        if (!call.isUnderWay(attempt)) {
            return;
        }
        running--;
        underWay.remove(call);
        call.future = null;
        if (call.timer != null) {
            call.timer.cancel();
            call.timer = null;
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        Duration backoff = cause == null ? null : node.failures.retryDelay(call.item, cause, call.attempts);
        if (backoff != null) { // the key stays blocked; the call is free for others meanwhile
            scheduler().schedule(backoff, () -> post(() -> {
                ready.add(call.queue);
                startReady();
            }));
            startReady();
            return;
        }
        KeyQueue queue = call.queue;
        queue.items.poll();
        heldCount--;
        if (queue.items.isEmpty()) {
            keys.remove(queue.key);
        } else {
            ready.add(queue);
        }
        try {
            settleCall(call.item, value, cause, call.attempts, call.input);
        } finally {
            startReady();
        }
    }

    private void updateFigures() {
        held = heldCount;
        waitingKeys = ready.size();
    }

    /** One key's held items, in input order. */
    private final class KeyQueue {
        final Object key;
        final ArrayDeque<Call> items = new ArrayDeque<>();

        KeyQueue(Object key) {
            this.key = key;
        }
    }

    /** One item's call, over its attempts. */
    private final class Call {
        final I item;
        final Held input;
        final KeyQueue queue;
        int attempts;
        long startedNanos;
        volatile java.util.concurrent.Future<?> future;
        Scheduler.Task timer;

        Call(I item, Held input, KeyQueue queue) {
            this.item = item;
            this.input = input;
            this.queue = queue;
        }

        /** Whether {@code attempt} is the one under way. */
        boolean isUnderWay(int attempt) {
            return attempt == attempts && underWay.contains(this);
        }

        void cancel() {
            java.util.concurrent.Future<?> running = future;
            if (running != null) {
                running.cancel(true);
            }
        }
    }

    /** A stage's cancellation, where the stage allows it. */
    private static final class StageFuture extends java.util.concurrent.CompletableFuture<Object> {
        private final CompletionStage<?> stage;

        StageFuture(CompletionStage<?> stage) {
            this.stage = stage;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            try {
                return stage.toCompletableFuture().cancel(mayInterruptIfRunning);
            } catch (UnsupportedOperationException e) {
                return false; // a stage that cannot be cancelled: its late end is ignored
            }
        }
    }

    /**
     * The threads of a blocking step without an executor: a virtual thread per call where the
     * JDK has them (21 and later), else daemon platform threads, one per call under way (at most
     * {@code maxInFlight}, beside those of calls that timed out and have not returned).
     */
    private static final class OwnThreads {
        private static final AtomicInteger COUNT = new AtomicInteger();
        private ExecutorService threads;

        synchronized Executor get() {
            if (threads == null) {
                threads = virtualThreads();
                if (threads == null) { // a thread per call under way, reused: a call that timed out and
                    // ignores its interrupt keeps its thread, and the next call must not queue behind it
                    threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
                            new SynchronousQueue<>(), task -> {
                                Thread thread = new Thread(task, "nanostream-call-" + COUNT.incrementAndGet());
                                thread.setDaemon(true);
                                return thread;
                            });
                }
            }
            return threads;
        }

        synchronized void shutdown(boolean now) {
            if (threads != null) {
                if (now) {
                    threads.shutdownNow();
                } else {
                    threads.shutdown();
                }
            }
        }

        /** {@code Executors.newVirtualThreadPerTaskExecutor()} on JDK 21 and later; null before. */
        private static ExecutorService virtualThreads() {
            try {
                return (ExecutorService) MethodHandles.publicLookup().findStatic(java.util.concurrent.Executors.class,
                        "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class)).invoke();
            } catch (NoSuchMethodException | IllegalAccessException | UnsupportedOperationException e) {
                return null; // before JDK 21, or a preview API not enabled (JDK 19 and 20)
            } catch (Throwable e) {
                throw new IllegalStateException("could not make virtual threads for blocking calls", e);
            }
        }
    }
}
