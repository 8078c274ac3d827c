package io.nanostream.flow;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One edge from a nanostream publisher to one of its subscribers. The publisher's
 * {@link java.util.concurrent.SubmissionPublisher} delivers to the link, the link to the
 * subscriber.
 *
 * <p>The link decides when a failed publisher's error reaches the subscriber: after the items
 * already buffered for it, as long as the subscriber keeps requesting them, and at once when it
 * has no outstanding demand (an item nobody asked for is not owed). It also names rule 3.9 when
 * the subscriber requests a non-positive amount, and tells the pipeline when the edge ended.
 */
final class Link<T> implements Flow.Subscriber<T>, Flow.Subscription {

    /*
     * Implementation notes. The publisher delivers onNext only against demand, and a delivery in
     * progress still counts in `demand` (it is decremented after onNext returns), so zero demand
     * means no onNext is running or can start without a new request. `lock` makes "check demand,
     * decide to terminate" atomic against "check terminated, add demand, forward the request",
     * so the link's own onError never overlaps an onNext (Rule 1.3). A failure races the last
     * onNext (through `failure` and `demand`) and the end of onSubscribe (through `failure` and
     * `open`): each side writes its own before reading the other's, so at least one of them
     * terminates the link.
     */

    final NodePublisher<T> from;
    final Flow.Subscriber<? super T> to;
    private static final Object UNTRACKED = new Object();

    final CompletableFuture<Void> terminated = new CompletableFuture<>();
    /** The subscriber side of {@link #to} when it is a nanostream step or sink, else null. */
    private final Inlet<T> toInlet;
    private final AtomicLong demand = new AtomicLong();
    /** Items the subscriber has finished with; written by the delivering thread only. */
    private final AtomicLong handled = new AtomicLong();
    /** What the publisher had emitted before this link existed. */
    private final long emittedBefore;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Flow.Subscription subscription;
    /** Set once the subscriber's onSubscribe has returned: before that no other signal may go. */
    private volatile boolean open;
    private boolean terminalSent;
    private volatile long nonPositiveRequest = 1;
    /**
     * Set while the publisher hands items straight to the subscriber (fused): requests are kept
     * in {@link #demand} and not passed on, since the publisher's buffer carries no items to
     * this subscriber and every request would start a delivery task that finds nothing.
     */
    private volatile boolean direct;
    /**
     * When delivery is tracked: the lineage of each item submitted and not yet delivered, in
     * order. Made by the first tracked emit, since untracked pipelines never need it.
     */
    private volatile LineageQueue lineages;
    /** Set once the link ended, before the lineages are drained: a queue made later starts closed. */
    private volatile Throwable lineagesClosed;

    Link(NodePublisher<T> from, Flow.Subscriber<? super T> to) {
        this.from = from;
        this.to = to;
        Node target = Node.of(to);
        @SuppressWarnings("unchecked") // the inlet of `to`, which takes T
        Inlet<T> inlet = target != null ? (Inlet<T>) target.inlet() : null;
        this.toInlet = inlet;
        this.emittedBefore = from.emittedCount();
    }

    /** Items emitted to this link that its subscriber has not finished with yet. */
    long lag() {
        return from.emittedCount() - emittedBefore - handled.get();
    }

    /** Items the subscriber has finished with. */
    long handledCount() {
        return handled.get();
    }

    /** Whether the publisher hands items straight to the subscriber, with no buffer between. */
    boolean isDirect() {
        return direct;
    }

    /** The subscriber side of the target, or null for a subscriber outside nanostream. */
    Inlet<T> target() {
        return toInlet;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (toInlet != null) {
            toInlet.onAnnouncedSubscribe(this);
        } else {
            to.onSubscribe(this);
        }
        open = true;
        if (from.failure() != null) {
            failIfIdle();
        }
    }

    @Override
    public void onNext(T item) {
        if (from.isTracking()) {
            deliverTracked(item);
        } else if (toInlet != null) {
            toInlet.onNext(item);
        } else {
            to.onNext(item);
        }
        handled.lazySet(handled.get() + 1);
        if (demand.decrementAndGet() == 0 && from.failure() != null) {
            failIfIdle();
        }
    }

    /**
     * Hands an item to the subscriber's inlet on the emitting thread, for a publisher fused with
     * it: the buffer carries no items, only the completion or failure that follows them.
     */
    void deliverDirectly(T item, Lineage lineage) {
        toInlet.onDirectNext(item, lineage);
        handled.lazySet(handled.get() + 1);
    }

    private void deliverTracked(T item) {
        LineageQueue queue = lineages;
        Object entry = queue != null ? queue.poll() : null;
        Lineage lineage = entry == UNTRACKED ? null : (Lineage) entry;
        if (toInlet != null) {
            toInlet.onTrackedNext(item, lineage);
            return;
        }
        try {
            to.onNext(item); // outside nanostream, an item is done when onNext returns
        } catch (RuntimeException | Error e) {
            if (lineage != null) {
                lineage.fail(e);
            }
            closeLineages(e); // the publisher now drops this subscriber's items (Rule 2.13)
            throw e;
        }
        if (lineage != null) {
            lineage.release();
        }
    }

    /**
     * Pairs the next item submitted to this link with its lineage.
     *
     * @return false if the link has ended, so the item will not be delivered through it
     */
    boolean track(Lineage lineage) {
        LineageQueue queue = lineages;
        if (queue == null) {
            queue = openLineages();
        }
        return queue.add(lineage == null ? UNTRACKED : lineage, this::failLineage);
    }

    private LineageQueue openLineages() {
        LineageQueue queue = new LineageQueue(from.bufferCapacity());
        lineages = queue;
        if (lineagesClosed != null) { // the link ended before its first tracked item: the queue starts closed
            queue.close(this::failLineage);
        }
        return queue;
    }

    private void failLineage(Object entry) {
        if (entry != UNTRACKED) {
            ((Lineage) entry).fail(lineagesClosed);
        }
    }

    /** The link ended: items still paired with lineages will not be delivered. */
    private void closeLineages(Throwable cause) {
        if (lineagesClosed != null) {
            return; // already closed, and drained by whoever closed it
        }
        lineagesClosed = cause != null ? cause : new CancellationException(from.node.label() + "'s link ended");
        LineageQueue queue = lineages;
        if (queue != null) {
            queue.close(this::failLineage);
        }
    }

    @Override
    public void onError(Throwable error) {
        long n = nonPositiveRequest;
        sendError(n > 0 ? error : new IllegalArgumentException(to
                + " violated the Reactive Streams rule 3.9 by requesting a non-positive number of elements: " + n
                + " (from " + from.node.label() + ")", error));
    }

    @Override
    public void onComplete() {
        Throwable failure = from.failure();
        if (failure != null) {
            sendError(failure);
        } else if (claimTerminal()) {
            closeLineages(new IllegalStateException(from.node.label() + " completed before delivering an item"));
            try {
                to.onComplete();
            } finally {
                end();
            }
        }
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            nonPositiveRequest = n; // Rule 3.9: the publisher signals onError, we name the rule
        } else {
            lock.lock();
            try {
                if (terminalSent) {
                    return; // Rule 3.6
                }
                demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n); // Rule 3.17
            } finally {
                lock.unlock();
            }
        }
        if (!direct || n <= 0) {
            subscription.request(n);
        }
        if (n > 0) {
            from.requested();
        }
    }

    /** The publisher hands items straight to the subscriber from now on, for good. */
    void startDirect() {
        direct = true;
    }

    @Override
    public void cancel() {
        // Lineages first: once the buffer drops items, their lineages would pile up unclaimed.
        closeLineages(new CancellationException(to + " cancelled its subscription to " + from.node.label()));
        subscription.cancel();
        if (end()) {
            from.subscriberCancelled();
        }
    }

    /** Marks the link ended, once; the publisher then lets go of it (Rule 3.13). */
    private boolean end() {
        if (terminated.complete(null)) {
            from.linkEnded(this);
            return true;
        }
        return false;
    }

    /** The publisher failed: if the subscriber is not waiting for items, fail it now. */
    void failIfIdle() {
        lock.lock();
        try {
            if (!open || terminalSent || demand.get() > 0) {
                return; // busy: onSubscribe, the last onNext or the drained publisher's onComplete will fail it
            }
            terminalSent = true;
        } finally {
            lock.unlock();
        }
        closeLineages(from.failure()); // before the buffer drops items, as in cancel()
        subscription.cancel(); // drop the items nobody requested
        deliverError(from.failure());
    }

    private void sendError(Throwable error) {
        if (claimTerminal()) {
            deliverError(error);
        }
    }

    private boolean claimTerminal() {
        lock.lock();
        try {
            if (terminalSent) {
                return false;
            }
            terminalSent = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void deliverError(Throwable error) {
        closeLineages(error);
        try {
            if (toInlet != null) {
                toInlet.onError(error, this); // this subscription is over; the inlet cancels only the others
            } else {
                to.onError(error);
            }
        } finally {
            end();
        }
    }
}
