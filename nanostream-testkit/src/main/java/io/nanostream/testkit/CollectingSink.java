package io.nanostream.testkit;

import io.nanostream.flow.AbstractSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

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

    private final Monitor monitor = new Monitor();
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
        monitor.update(() -> items.add(item));
    }

    @Override
    protected void onEndOfInput() {
        monitor.update(() -> completed = true);
    }

    @Override
    protected void onFailure(Throwable failure) {
        monitor.update(() -> error = failure);
    }

    /**
     * Returns the items received so far, in arrival order.
     *
     * @return a copy of the items
     */
    public List<T> items() {
        return monitor.read(() -> List.copyOf(items));
    }

    /**
     * Returns the error the input failed with, if it failed.
     *
     * @return the error, or empty
     */
    public Optional<Throwable> error() {
        return monitor.read(() -> Optional.ofNullable(error));
    }

    /**
     * Tells whether the input has completed without error.
     *
     * @return true once completed
     */
    public boolean isCompleted() {
        return monitor.read(() -> completed);
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
        return monitor.read(() -> {
            if (error == null) {
                throw new AssertionError("expected an error but the input completed; " + got());
            }
            return error;
        });
    }

    private List<T> checkedItems(boolean reached, String goal) {
        return monitor.read(() -> {
            if (!reached) {
                throw new AssertionError("expected " + goal + " but the input "
                        + (error != null ? "failed with " + error : "completed") + "; " + got(), error);
            }
            return List.copyOf(items);
        });
    }

    private void awaitUntil(BooleanSupplier condition, Duration timeout, String goal) {
        monitor.awaitUntil(condition, timeout, goal, this::got);
    }

    /** Called with the lock held. */
    private String got() {
        return "received " + Monitor.describe(items, "item");
    }
}
