package io.nanostream.testkit;

import io.nanostream.flow.AbstractSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A sink for tests: records every item it receives, in order, and lets the test wait for a
 * count, for completion or for an error, without sleeping. A wait that times out throws an
 * {@link AssertionError} saying what it waited for and what arrived so far.
 *
 * <pre>{@code
 * var sink = new CollectingSink<String>();
 * step.subscribe(sink);
 * // ... start the pipeline ...
 * assertEquals(List.of("a", "c"), sink.awaitCompletion(Duration.ofSeconds(5)));
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class CollectingSink<T> extends AbstractSink<T> {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<T> items = new ArrayList<>();
    private boolean completed;
    private Throwable error;

    /** Creates a sink that requests 256 items ahead. */
    public CollectingSink() {
        this(256);
    }

    /**
     * Creates a sink.
     *
     * @param bufferSize how many items to request ahead from each upstream
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    public CollectingSink(int bufferSize) {
        super("CollectingSink", bufferSize);
    }

    @Override
    protected void consume(T item) {
        update(() -> items.add(item));
    }

    @Override
    protected void onEndOfInput() {
        update(() -> completed = true);
    }

    @Override
    protected void onFailure(Throwable failure) {
        update(() -> error = failure);
    }

    /**
     * Returns the items received so far, in arrival order.
     *
     * @return a copy of the items
     */
    public List<T> items() {
        return read(() -> List.copyOf(items));
    }

    /**
     * Returns the error the input failed with, if it failed.
     *
     * @return the error, or empty
     */
    public Optional<Throwable> error() {
        return read(() -> Optional.ofNullable(error));
    }

    /**
     * Tells whether the input has completed without error.
     *
     * @return true once completed
     */
    public boolean isCompleted() {
        return read(() -> completed);
    }

    /**
     * Waits until at least {@code count} items have arrived.
     *
     * @param count the number of items to wait for
     * @param timeout how long to wait at most
     * @return the items received so far
     * @throws AssertionError if the time ran out, or the input ended with fewer items
     */
    public List<T> awaitCount(int count, Duration timeout) {
        awaitUntil(() -> items.size() >= count || completed || error != null, timeout, count + " items");
        return checkedItems(items.size() >= count, count + " items");
    }

    /**
     * Waits until the input has completed.
     *
     * @param timeout how long to wait at most
     * @return all items received
     * @throws AssertionError if the time ran out or the input failed
     */
    public List<T> awaitCompletion(Duration timeout) {
        awaitUntil(() -> completed || error != null, timeout, "completion");
        return checkedItems(completed, "completion");
    }

    /**
     * Waits until the input has failed.
     *
     * @param timeout how long to wait at most
     * @return the error
     * @throws AssertionError if the time ran out or the input completed without error
     */
    public Throwable awaitError(Duration timeout) {
        awaitUntil(() -> completed || error != null, timeout, "an error");
        lock.lock();
        try {
            if (error == null) {
                throw new AssertionError("expected an error but the input completed; " + got());
            }
            return error;
        } finally {
            lock.unlock();
        }
    }

    private List<T> checkedItems(boolean reached, String goal) {
        lock.lock();
        try {
            if (!reached) {
                throw new AssertionError("expected " + goal + " but the input "
                        + (error != null ? "failed with " + error : "completed") + "; " + got(), error);
            }
            return List.copyOf(items);
        } finally {
            lock.unlock();
        }
    }

    private void awaitUntil(BooleanSupplier condition, Duration timeout, String goal) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                if (remaining <= 0) {
                    throw new AssertionError("timed out after " + timeout + " waiting for " + goal + "; " + got(), error);
                }
                remaining = changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + goal + "; " + got(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held. */
    private String got() {
        int n = items.size();
        List<T> shown = n <= 10 ? items : items.subList(n - 10, n);
        return "received " + n + " item" + (n == 1 ? "" : "s") + (n > 10 ? ", the last 10: " : ": ") + shown;
    }

    private <R> R read(Supplier<R> reader) {
        lock.lock();
        try {
            return reader.get();
        } finally {
            lock.unlock();
        }
    }

    private void update(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
