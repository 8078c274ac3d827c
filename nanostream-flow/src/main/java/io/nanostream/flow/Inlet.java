package io.nanostream.flow;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The subscriber side shared by steps and sinks: takes one or several upstream subscriptions
 * (fan-in), requests in batches, hands items to the owner one at a time, and ends once every
 * upstream has completed.
 *
 * <p>Every call into the owner happens while holding {@link #lock}, so user code never runs
 * concurrently even when several upstreams deliver at once, and it sees the writes of earlier
 * calls.
 */
final class Inlet<I> {

    /** What the owner does with the signals; every method is called under the inlet's lock. */
    interface Receiver<I> {
        void started() throws Exception;

        void receive(I item) throws Exception;

        void ended() throws Exception;

        /** The input failed or user code threw; the inlet has already cancelled its upstreams. */
        void failed(Throwable error);
    }

    private final Node node;
    private final Receiver<I> receiver;
    private final int batch;
    private final long initialRequest;
    /**
     * Serializes every call into the owner. Its own, or, for a node fed only by a fused
     * publisher, that publisher's: see {@link #shareLockWith}. Set before the pipeline's threads
     * start, and read by them only after.
     */
    private OwnedLock lock = new OwnedLock();
    private final List<Flow.Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private int announcedSubscriptions;
    private Flow.Subscription foreignSubscription;
    /** Written without the lock: opening demand must not wait for a step blocked in emit. */
    private volatile boolean demandOpen;
    /** The subscriptions that got their first request, so each gets it exactly once. */
    private final Set<Flow.Subscription> initiallyRequested = ConcurrentHashMap.newKeySet();
    private int completedUpstreams;
    /** The lineage of the item being handled, while the owner handles it; null if untracked. */
    private Lineage current;
    private boolean handling;
    /** Inputs held beyond their call; failed for the owner if it ends or fails holding them. */
    private final Set<HeldInput> held = ConcurrentHashMap.newKeySet();
    private int receivedSinceRequest;
    /**
     * Items from a publisher outside nanostream handed to the owner so far, for metrics (links
     * count the others); written under the lock only.
     */
    private final AtomicLong received = new AtomicLong();
    /** One item in this many is timed, and counts for them all: two clock reads per 16 items. */
    private static final int BUSY_SAMPLE_MASK = 15;
    /**
     * Whether to time the owner's code: set by the first metrics snapshot, so that a pipeline
     * nobody watches pays one field read per item for it.
     */
    private volatile boolean timed;
    /** Whether items are counted here (fed from outside nanostream) or timed. */
    private volatile boolean watched;
    /** Items handled while timed; under the lock only. */
    private int timedItems;
    /** Estimated time spent in the owner's code since {@link #timed} was set; written under the lock only. */
    private final AtomicLong busyNanos = new AtomicLong();
    private boolean started;
    private boolean terminated;

    /**
     * @param demandOpen whether to request from upstream at once; a step opens demand only when
     *     a subscriber first requests, since what it emitted before would reach nobody
     */
    Inlet(Node node, int bufferSize, boolean demandOpen, Receiver<I> receiver) {
        this.node = node;
        this.demandOpen = demandOpen;
        this.receiver = receiver;
        this.initialRequest = bufferSize;
        this.batch = Math.max(1, bufferSize / 2);
        node.setInlet(this);
    }

    /**
     * Takes a subscription from a publisher outside nanostream. Only one is accepted: a further
     * one is cancelled, as Rule 2.5 requires.
     */
    void onSubscribe(Flow.Subscription subscription) {
        subscribe(subscription, false);
    }

    /**
     * Takes the subscription of a nanostream publisher that announced itself in
     * {@link Node#upstreams} when it subscribed this node: fan-in from nanostream nodes.
     */
    void onAnnouncedSubscribe(Flow.Subscription subscription) {
        subscribe(subscription, true);
    }

    private void subscribe(Flow.Subscription subscription, boolean announced) {
        Objects.requireNonNull(subscription, "subscription"); // Rule 2.13
        lock.lock();
        try {
            boolean accepted = announced
                    ? announcedSubscriptions < node.upstreams.size()
                    : foreignSubscription == null;
            if (terminated || !accepted) {
                subscription.cancel(); // Rule 2.5
                return;
            }
            if (announced) {
                announcedSubscriptions++;
            } else {
                foreignSubscription = subscription;
                watched = true;
            }
            subscriptions.add(subscription);
            if (!started) {
                started = true;
                receiver.started();
            }
            requestInitially(subscription);
        } catch (Throwable e) {
            fail(node.failure(null, e), null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts requesting from every upstream, now that what arrives has somewhere to go. Takes no
     * lock: the owner may hold it, blocked in emit, while this runs.
     */
    void openDemand() {
        demandOpen = true;
        for (Flow.Subscription s : subscriptions) {
            requestInitially(s);
        }
    }

    private void requestInitially(Flow.Subscription subscription) {
        if (demandOpen && initiallyRequested.add(subscription)) {
            subscription.request(initialRequest);
        }
    }

    /** An item from the publisher outside nanostream, which tracks no delivery. */
    void onNext(I item) {
        onTrackedNext(item, null);
    }

    /**
     * An item through a nanostream link, with the lineage it was emitted with (or null), which
     * this inlet releases once the item is handled.
     */
    void onTrackedNext(I item, Lineage lineage) {
        handle(item, lineage, true);
    }

    /**
     * An item from a fused publisher, on its thread, while that publisher handles the item it
     * derives from: its lineage is borrowed, kept alive by the publisher's own hold on it, so
     * this inlet fails it if the item fails but does not release it.
     */
    void onDirectNext(I item, Lineage lineage) {
        handle(item, lineage, false);
    }

    private void handle(I item, Lineage lineage, boolean owned) {
        Objects.requireNonNull(item, "item"); // Rule 2.13
        lock.lock();
        try {
            if (terminated) { // Rule 2.8: items may still arrive after cancel; they reach no sink
                if (lineage != null) {
                    lineage.fail(new CancellationException(node.label() + " had stopped taking items"));
                }
                return;
            }
            current = lineage;
            handling = true;
            try {
                receiveUnderPolicy(item, lineage);
            } catch (Throwable e) {
                PipelineException failure = e instanceof PipelineException
                        ? (PipelineException) e : node.failure(item, e);
                if (lineage != null) {
                    lineage.fail(failure);
                }
                fail(failure, null);
                return;
            } finally {
                current = null;
                handling = false;
            }
            if (owned && lineage != null) {
                lineage.release();
            }
            if (++receivedSinceRequest == batch) {
                receivedSinceRequest = 0;
                for (Flow.Subscription s : subscriptions) {
                    s.request(batch);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * When the item is to be counted here or timed: counts it, and returns the time now if it is
     * one of the 16th that are timed, else 0.
     */
    private long watch(int attempt) {
        if (attempt == 1 && foreignSubscription != null) {
            received.lazySet(received.get() + 1); // links count the items they bring; this one has none
        }
        return timed && (++timedItems & BUSY_SAMPLE_MASK) == 0 ? System.nanoTime() : 0;
    }

    /**
     * Hands the item to the owner, and when the owner throws, applies its error policy: tries
     * again after a backoff, or skips or dead-letters the item; rethrows when the pipeline must
     * fail.
     */
    private void receiveUnderPolicy(I item, Lineage lineage) throws Throwable {
        for (int attempt = 1;; attempt++) {
            try {
                // Unwatched, this is one field read: no call is added between the owner and the
                // fused steps it calls, so the JIT inlines the chain as deep as before.
                if (!watched) {
                    receiver.receive(item);
                } else {
                    long started = watch(attempt);
                    receiver.receive(item);
                    if (started != 0) {
                        busyNanos.lazySet(busyNanos.get() + (System.nanoTime() - started) * (BUSY_SAMPLE_MASK + 1));
                    }
                }
                return;
            } catch (Throwable e) {
                Duration backoff = node.failures.retryDelay(item, e, attempt);
                if (backoff != null) {
                    try {
                        node.scheduler().sleep(backoff);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        e.addSuppressed(interrupted);
                        throw e;
                    }
                    continue;
                }
                if (!node.failures.settle(item, e, attempt, lineage)) {
                    throw e;
                }
                return;
            }
        }
    }

    /**
     * Runs an action of the owner's outside item handling (a timer fired, an asynchronous result
     * arrived), serialized with the owner's other calls like an item; not at all once the input
     * has ended or failed. An exception fails the node.
     */
    void runExclusive(Runnable action) {
        lock.lock();
        try {
            if (terminated) {
                return;
            }
            try {
                action.run();
            } catch (Throwable e) {
                fail(e instanceof PipelineException ? e : node.failure(null, e), null);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The links from nanostream publishers this inlet was subscribed through, ended or not. */
    List<Link<?>> links() {
        List<Link<?>> links = new java.util.ArrayList<>();
        for (Flow.Subscription subscription : subscriptions) {
            if (subscription instanceof Link) {
                links.add((Link<?>) subscription);
            }
        }
        return links;
    }

    /**
     * The estimated time spent in the owner's code on items since the first call of this
     * method: timing starts when someone first asks.
     */
    long busyNanos() {
        timed = true;
        watched = true;
        return busyNanos.get();
    }

    /** The number of items handed to the owner so far. */
    long received() {
        long count = received.get();
        for (Link<?> link : links()) {
            count += link.handledCount();
        }
        return count;
    }

    /** The thread handling an item or action of this inlet now, or null. */
    Thread busyThread() {
        return lock.owner();
    }

    /** The lineage of the item being handled; only for the owner's thread, while it handles it. */
    Lineage current() {
        return current;
    }

    /** Keeps the item being handled pending beyond this call. */
    Held hold() {
        if (!handling || !lock.isHeldByCurrentThread()) {
            throw new IllegalStateException(node.label() + ": holdInput() works only while handling an item, in "
                    + node.kind.hook);
        }
        if (current == null) {
            return HeldInput.UNTRACKED;
        }
        current.retain(1);
        HeldInput input = new HeldInput(current, this);
        held.add(input);
        return input;
    }

    void forget(HeldInput input) {
        held.remove(input);
    }

    private void failHeld(Throwable cause) {
        for (HeldInput input : held) {
            input.fail(cause);
        }
    }

    /** An error from the publisher outside nanostream. */
    void onError(Throwable error) {
        onError(error, foreignSubscription);
    }

    /** An error through {@code from}, which is over: Rule 2.3 forbids calling it back. */
    void onError(Throwable error, Flow.Subscription from) {
        Objects.requireNonNull(error, "error"); // Rule 2.13
        lock.lock();
        try {
            if (!terminated) {
                fail(error, from);
            }
        } finally {
            lock.unlock();
        }
    }

    void onComplete() {
        lock.lock();
        try {
            int upstreams = node.upstreams.size() + (foreignSubscription != null ? 1 : 0);
            if (terminated || ++completedUpstreams < upstreams) {
                return;
            }
            end();
        } finally {
            lock.unlock();
        }
    }

    /** Returns the first subscription taken, or null before any. */
    Flow.Subscription firstSubscription() {
        return subscriptions.isEmpty() ? null : subscriptions.get(0);
    }

    /** Graceful stop of an input fed from outside nanostream: cancel it and end as if completed. */
    void stop() {
        lock.lock();
        try {
            if (!terminated) {
                cancelAll(null);
                end();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Fails this input on behalf of the pipeline. */
    void abort(Throwable error) {
        onError(error, null);
    }

    /** Every subscriber downstream has cancelled: cancel upstream too, and end quietly. */
    void cancel() {
        lock.lock();
        try {
            if (!terminated) {
                terminated = true;
                cancelAll(null);
                failHeld(new CancellationException("every subscriber of " + node.label() + " cancelled"));
            }
        } finally {
            lock.unlock();
        }
    }

    private void end() {
        terminated = true;
        try {
            receiver.ended();
        } catch (Throwable e) {
            PipelineException failure = node.failure(null, e);
            receiver.failed(failure);
            failHeld(failure);
            return;
        }
        failHeld(new IllegalStateException(node.label() + " ended holding an input it never released;"
                + " release or fail every input it holds"));
    }

    private void fail(Throwable error, Flow.Subscription terminatedOne) {
        terminated = true;
        cancelAll(terminatedOne);
        receiver.failed(error);
        failHeld(error);
    }

    private void cancelAll(Flow.Subscription except) {
        for (Flow.Subscription s : subscriptions) {
            if (s != except) {
                s.cancel();
            }
        }
    }

    /**
     * Takes the lock of the inlet of a fused publisher that is this node's only upstream. Its
     * items arrive on that publisher's thread, inside that publisher's handling, which holds
     * that lock already: taking it again costs a plain increment instead of a compare-and-set
     * and a fenced release per item. One lock for both only coarsens the exclusion: whatever
     * else enters this node (a timer, the end of input, a cancel) still takes it.
     */
    void shareLockWith(Inlet<?> upstream) {
        lock = upstream.lock;
    }

    /**
     * A lock that tells who holds it, so idleness checks can see what that thread waits for, and
     * is taken again by its owner at the cost of a plain increment.
     */
    private static final class OwnedLock extends ReentrantLock {
        private static final long serialVersionUID = 1L;
        /** Times the owner took it again; read and written by the owner only. */
        private transient int nested;

        @Override
        public void lock() {
            if (isHeldByCurrentThread()) {
                nested++;
            } else {
                super.lock();
            }
        }

        @Override
        public void unlock() {
            if (nested > 0) {
                nested--;
            } else {
                super.unlock();
            }
        }

        Thread owner() {
            return getOwner();
        }
    }
}
