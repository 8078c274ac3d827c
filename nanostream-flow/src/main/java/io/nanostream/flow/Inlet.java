package io.nanostream.flow;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Flow.Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private int foreignUpstreams;
    private int completedUpstreams;
    private int receivedSinceRequest;
    private boolean started;
    private boolean terminated;

    Inlet(Node node, int bufferSize, Receiver<I> receiver) {
        this.node = node;
        this.receiver = receiver;
        this.initialRequest = bufferSize;
        this.batch = Math.max(1, bufferSize / 2);
    }

    void onSubscribe(Flow.Subscription subscription) {
        Objects.requireNonNull(subscription, "subscription"); // Rule 2.13
        lock.lock();
        try {
            if (terminated) {
                subscription.cancel();
                return;
            }
            subscriptions.add(subscription);
            if (!WorkerThreads.isWorker(Thread.currentThread())) {
                foreignUpstreams++; // a publisher outside nanostream, not registered when wiring
            }
            if (!started) {
                started = true;
                receiver.started();
            }
        } catch (Throwable e) {
            fail(node.failure(null, e));
            return;
        } finally {
            lock.unlock();
        }
        subscription.request(initialRequest);
    }

    void onNext(I item) {
        Objects.requireNonNull(item, "item"); // Rule 2.13
        lock.lock();
        try {
            if (terminated) {
                return; // Rule 2.8: items may still arrive after cancel
            }
            try {
                receiver.receive(item);
            } catch (Throwable e) {
                fail(node.failure(item, e));
                return;
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

    void onError(Throwable error) {
        Objects.requireNonNull(error, "error"); // Rule 2.13
        lock.lock();
        try {
            if (!terminated) {
                fail(error);
            }
        } finally {
            lock.unlock();
        }
    }

    void onComplete() {
        lock.lock();
        try {
            if (terminated || ++completedUpstreams < node.upstreams.size() + foreignUpstreams) {
                return;
            }
            end();
        } finally {
            lock.unlock();
        }
    }

    /** Graceful stop of an input fed from outside nanostream: cancel it and end as if completed. */
    void stop() {
        lock.lock();
        try {
            if (!terminated) {
                cancelAll();
                end();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Fails this input on behalf of the pipeline. */
    void abort(Throwable error) {
        onError(error);
    }

    private void end() {
        terminated = true;
        try {
            receiver.ended();
        } catch (Throwable e) {
            receiver.failed(node.failure(null, e));
        }
    }

    private void fail(Throwable error) {
        terminated = true;
        cancelAll();
        receiver.failed(error);
    }

    private void cancelAll() {
        for (Flow.Subscription s : subscriptions) {
            s.cancel();
        }
    }
}
