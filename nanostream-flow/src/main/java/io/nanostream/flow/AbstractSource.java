package io.nanostream.flow;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where items enter a pipeline. Subclass it and override {@link #produce} with a loop that calls
 * {@link #emit} for each item; the source completes when {@code produce} returns.
 *
 * <p><b>Threads.</b> When the pipeline starts, {@code produce} runs on a thread the pipeline
 * owns. Its first {@code emit} waits until a subscriber requests items, so every subscriber
 * present by then receives every item. Outside a pipeline, as a plain {@code Flow.Publisher},
 * {@link Standalone#start} runs it on threads of its own.
 *
 * <p><b>Back-pressure.</b> {@code emit} blocks while any subscriber's buffer is full, so a source
 * never runs ahead of the slowest sink by more than the buffers between them.
 *
 * <p><b>Stopping.</b> When the pipeline stops, or fails elsewhere, {@link #isStopping} turns true,
 * the producing thread is interrupted (to wake a loop blocked on I/O or a queue), and every
 * further {@code emit} throws {@link CancellationException}, which ends the loop; items emitted
 * before that still reach the sinks. A loop that waits on something not interruptible should
 * check {@code isStopping()}.
 *
 * <p><b>Errors.</b> An exception thrown by {@code produce} fails the pipeline, naming this source.
 *
 * <p>A source that emits the lines of a file:
 * <pre>{@code
 * class FileLines extends AbstractSource<String> {
 *     private final Path file;
 *
 *     FileLines(Path file) {
 *         this.file = file;
 *     }
 *
 *     @Override
 *     protected void produce() throws IOException {
 *         try (BufferedReader reader = Files.newBufferedReader(file)) {
 *             for (String line; (line = reader.readLine()) != null; ) {
 *                 emit(line);
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * @param <T> the type of items emitted
 */
public abstract class AbstractSource<T> extends NodePublisher<T> {

    /*
     * Implementation notes. The loop thread is interrupted only while it runs produce(): the lock
     * pairs the interrupt in stop() with the end of the loop, so a pool thread that has moved on
     * to other work is never interrupted.
     */

    private final CountDownLatch firstRequest = new CountDownLatch(1);
    private volatile boolean requested;
    private volatile boolean awaitingFirstRequest;
    private final ReentrantLock loopLock = new ReentrantLock();
    private Thread loopThread;
    private volatile boolean stopping;
    private volatile Throwable stopCause;

    /** Creates a source named after its class, with a buffer of 256 items per subscriber. */
    protected AbstractSource() {
        this(null, DEFAULT_BUFFER_SIZE);
    }

    /**
     * Creates a source named after its class.
     *
     * @param bufferSize the number of items buffered for each subscriber
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    protected AbstractSource(int bufferSize) {
        this(null, bufferSize);
    }

    /**
     * Creates a source.
     *
     * @param name the name used in thread names and error messages; null for the class name
     * @param bufferSize the number of items buffered for each subscriber
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    protected AbstractSource(String name, int bufferSize) {
        super(Node.Kind.SOURCE, name, bufferSize);
    }

    /**
     * Called once on the producing thread when the source starts, before {@link #produce}, as a
     * step's or sink's {@code onStart} is before their first item: open what the source reads
     * from here. What it opens, {@link #afterEnd} closes; an exception here fails the pipeline,
     * and {@code produce} is not called.
     *
     * @throws Exception to fail the pipeline
     */
    protected void onStart() throws Exception {
    }

    /**
     * Produces the items: call {@link #emit} for each, and return when there are no more.
     *
     * @throws Exception to fail the pipeline
     */
    protected abstract void produce() throws Exception;

    /**
     * Tells whether this source emits items with a {@link DeliveryCallback}. A pipeline tracks
     * delivery only when one of its sources does; pipelines that don't pay nothing for it.
     *
     * @return true to use {@link #emit(Object, DeliveryCallback)}; false by default
     */
    protected boolean tracksDelivery() {
        return false;
    }

    /**
     * Says why this source cannot do its work now, for {@link Pipeline#health()}: null when it can,
     * which is the default. Name what is wrong in words a person on call can act on, such as
     * {@code "source 'orders' has no partitions yet: its group is still rebalancing"}. Called from any thread, at any time, often: read fields, never block.
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
     * Emits an item and tells {@code callback}, once, whether it and everything derived from it
     * reached every sink it was headed for. Blocks like {@link #emit(Object)}.
     *
     * @param item the item, not null
     * @param callback hears that the item was delivered, or that it failed
     * @throws NullPointerException if item or callback is null
     * @throws IllegalStateException if {@link #tracksDelivery()} returns false
     * @throws CancellationException if the source is stopping
     */
    protected final void emit(T item, DeliveryCallback callback) {
        emit(item, null, callback);
    }

    /**
     * Emits an item read from one partition of this source's input (a Kafka partition, a file, a
     * queue), and tells {@code callback}, once, whether it was delivered, as
     * {@link #emit(Object, DeliveryCallback)} does. Event-time windows downstream keep a watermark
     * per partition, so that a partition that runs ahead does not close the windows of one that
     * lags; announce the partitions read with {@link #partitionsChanged} so that those not yet
     * heard from hold the watermark back too.
     *
     * @param item the item, not null
     * @param partition the partition, compared with {@code equals}; null for the source's only one
     * @param callback hears that the item was delivered, or that it failed
     * @throws NullPointerException if item or callback is null
     * @throws IllegalStateException if {@link #tracksDelivery()} returns false
     * @throws CancellationException if the source is stopping
     */
    protected final void emit(T item, Object partition, DeliveryCallback callback) {
        Checks.notNull(callback, "callback");
        if (!isTracking()) {
            throw new IllegalStateException(node.label() + " emitted with a DeliveryCallback but does not track"
                    + " delivery: override tracksDelivery() to return true");
        }
        Lineage.Tracker tracker = new Lineage.Tracker(callback, node, partition, node.epochOf(partition));
        boolean handedOut;
        try {
            handedOut = sendNew(item, tracker);
        } catch (RuntimeException e) {
            tracker.fail(e);
            throw e;
        }
        if (!handedOut) {
            tracker.release(); // the emit's own count: from now on, only the deliveries count
        }
    }

    /**
     * Names this source, for thread names, error messages and logs; the default is the class name.
     *
     * @param name the name
     * @return this source
     * @throws NullPointerException if name is null
     * @throws IllegalStateException if the source was already named with this method, or already belongs to a
     *     pipeline
     */
    public final AbstractSource<T> named(String name) {
        node.rename(name);
        return this;
    }

    /**
     * Sets what this source does with an input it cannot turn into an item (a record that does
     * not deserialize, say), which it passes to {@link #reject}; the default is
     * {@link ErrorPolicy#fail()}. A retry policy applies its fallback: a source rejects what
     * cannot succeed on a second try.
     *
     * @param policy the policy
     * @return this source
     * @throws NullPointerException if policy is null
     * @throws IllegalStateException if a policy was already set, or the source already belongs to a
     *     pipeline
     */
    public final AbstractSource<T> withErrorPolicy(ErrorPolicy policy) {
        node.setErrorPolicy(policy);
        return this;
    }

    /**
     * Tells the pipeline which partitions this source reads now, after an assignment or a
     * revocation: event-time windows downstream then hold their watermark for a partition not yet
     * heard from (until it is idle) and stop waiting for one no longer read. Call it from any
     * thread; each call replaces the last.
     *
     * @param partitions the partitions read now, as passed to
     *     {@link #emit(Object, Object, DeliveryCallback)}
     * @throws NullPointerException if partitions is null or holds null
     */
    protected final void partitionsChanged(Collection<?> partitions) {
        node.announce(Checks.notNull(partitions, "partitions"));
    }

    /**
     * Hands an input this source cannot turn into an item to its {@linkplain #withErrorPolicy
     * error policy}: skipped (the callback hears {@code delivered()} at once), or sent to the
     * dead letters (it hears {@code delivered()} once they took it), or else the source fails.
     * Call it from {@link #produce}.
     *
     * @param input what could not be made an item, as it came (for the dead letter)
     * @param error why
     * @param callback hears when the input is settled, as for {@link #emit(Object, DeliveryCallback)}
     * @throws PipelineException if the policy is to fail; let it propagate out of {@code produce}
     * @throws NullPointerException if an argument is null
     */
    protected final void reject(Object input, Throwable error, DeliveryCallback callback) {
        Checks.notNull(input, "input");
        Checks.notNull(error, "error");
        Lineage.Tracker tracker = new Lineage.Tracker(Checks.notNull(callback, "callback"), node, null,
                Assignment.UNANNOUNCED);
        if (!node.failures.settle(input, error, 1, isTracking() ? tracker : null)) {
            PipelineException failure = node.failure(input, error);
            tracker.fail(failure);
            throw failure;
        }
        tracker.release();
    }

    /**
     * Returns the scheduler this source takes its time from: its pipeline's (see
     * {@link Pipeline#withScheduler}), or the system clock outside a pipeline, as for steps and
     * sinks. Read the time of what the source decides by time (a commit interval) from it, so
     * that tests can run the source on virtual time; waits bound to a blocking call stay on the
     * system clock.
     *
     * @return the scheduler
     */
    protected final Scheduler scheduler() {
        return node.scheduler();
    }

    /**
     * Returns the most items buffered for each subscriber: the buffer size given at construction,
     * rounded up to a power of two.
     *
     * @return the buffer's capacity
     */
    protected final int bufferSize() {
        return bufferCapacity();
    }

    /**
     * Returns how many items {@code emit} takes now without blocking: the room left in the
     * fullest subscriber's buffer, and zero until a subscriber has requested. A source that must
     * never block (a Kafka consumer must keep polling) emits only that many, and waits otherwise.
     *
     * @return the number of items that fit without blocking
     */
    protected final int bufferRoom() {
        if (firstRequest.getCount() > 0) {
            return 0;
        }
        return Math.max(0, bufferCapacity() - maxLag());
    }

    /**
     * Returns how many items wait outside the pipeline for this source to read them, if the
     * source knows: a Kafka source returns its consumer's lag. {@link Pipeline#metrics()} reports
     * it. Called from any thread; keep it cheap, such as a field the producing thread updates.
     *
     * @return the number of items waiting, or -1 (the default) when unknown
     */
    protected long backlog() {
        return -1;
    }

    /**
     * Tells whether items of a partition wait to be emitted: read from outside and not yet
     * emitted, or known to be there to read (a Kafka consumer's lag). An event-time window does
     * not count a partition as idle while it has items waiting, however long it has not heard from
     * it: while a source catches up, a partition behind others is late, not quiet. Called from
     * pipeline threads; keep it cheap, such as a lookup in a set the producing thread replaces.
     *
     * @param partition a partition as passed to {@link #emit(Object, Object, DeliveryCallback)}
     * @return true if items of it wait; false (the default) if none do, or the source cannot tell
     */
    protected boolean hasWaiting(Object partition) {
        return false;
    }

    /**
     * Returns how many items this source read again and did not emit because it knew them to be
     * processed already, such as a Kafka source's records that the last commit recorded as
     * processed beyond its offset. {@link Pipeline#metrics()} reports it. Called from any thread;
     * keep it cheap.
     *
     * @return the number of items skipped as processed already; 0 (the default) if none
     */
    protected long alreadyProcessed() {
        return 0;
    }

    /**
     * Tells whether the pipeline has asked this source to stop.
     *
     * @return true once the source should stop producing
     */
    protected final boolean isStopping() {
        return stopping;
    }

    @Override
    final void beforeEmit() {
        if (!requested) {
            awaitFirstRequest();
        }
        if (stopping) {
            throw new CancellationException(node.label() + " is stopping");
        }
    }

    private void awaitFirstRequest() {
        awaitingFirstRequest = true;
        try {
            firstRequest.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(node.label() + " was interrupted before its first item was requested");
        } finally {
            awaitingFirstRequest = false;
        }
        requested = true;
    }

    @Override
    final void firstRequest() {
        firstRequest.countDown();
    }

    @Override
    final void everySubscriberCancelled() {
        stop(null);
    }

    /** Starts the producing loop on one of the given threads. */
    final void startProducing(Executor threads) {
        threads.execute(this::runLoop);
    }

    /** Asks the loop to end; with a cause, downstream then fails with it instead of completing. */
    final void stop(Throwable cause) {
        if (cause != null) {
            stopCause = cause;
        }
        stopping = true;
        loopLock.lock();
        try {
            if (loopThread != null) {
                loopThread.interrupt();
            }
        } finally {
            loopLock.unlock();
        }
    }

    private void runLoop() {
        Throwable error = null;
        setLoopThread(Thread.currentThread());
        try {
            if (!stopping) {
                onStart();
                produce();
            }
        } catch (Throwable e) {
            if (!stopping) { // once stopping, an exception is how the interrupt or emit ended the loop
                error = e;
            }
        } finally {
            setLoopThread(null);
            Thread.interrupted(); // clear a stop's interrupt before the thread goes back to the pool
        }
        if (error != null) {
            PipelineException failure = node.failure(null, error);
            node.report(failure);
            finish(failure);
        } else {
            finish(stopCause);
        }
        try {
            afterEnd();
        } catch (Throwable e) {
            node.report(node.failure(null, e));
        } finally {
            Thread.interrupted();
            node.terminated.complete(null);
        }
    }

    /**
     * Called once on the producing thread after {@link #produce} has returned and the source has
     * completed (or failed) downstream, while what it emitted may still be on its way. A source
     * that tracks delivery may wait here for its last items to be settled, then record that
     * (commit offsets, say) and release what it holds; the pipeline finishes only after this
     * returns. An exception fails the pipeline.
     *
     * @throws Exception to fail the pipeline
     */
    protected void afterEnd() throws Exception {
    }

    /**
     * Whether the producing loop waits (for input, or for buffer space) rather than runs: how
     * idleness checks judge a source they know nothing else about.
     */
    final boolean isWaiting() {
        loopLock.lock();
        try {
            if (loopThread == null) {
                return node.terminated.isDone();
            }
            if (awaitingFirstRequest) {
                return false; // has an item for a first request that is on its way
            }
            Thread.State state = loopThread.getState();
            return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING
                    || state == Thread.State.BLOCKED;
        } finally {
            loopLock.unlock();
        }
    }

    private void setLoopThread(Thread thread) {
        loopLock.lock();
        try {
            loopThread = thread;
        } finally {
            loopLock.unlock();
        }
    }
}
