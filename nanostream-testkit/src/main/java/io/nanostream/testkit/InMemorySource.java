package io.nanostream.testkit;

import io.nanostream.flow.AbstractSource;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A source for tests: emits given items in order and completes, or emits what the test
 * {@linkplain #push pushes} by hand until the test calls {@link #complete} or {@link #fail}.
 *
 * <p>Items wait in an unbounded queue until the pipeline takes them, so {@code push} never
 * blocks the test; inside the pipeline the usual bounded buffers and back-pressure apply.
 *
 * <pre>{@code
 * var source = InMemorySource.of("a", "b", "c");   // emits a, b, c, then completes
 *
 * var manual = InMemorySource.<String>manual();    // emits what the test pushes
 * manual.push("x").push("y");
 * sink.awaitCount(2, Duration.ofSeconds(5));
 * manual.complete();
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class InMemorySource<T> extends AbstractSource<T> {

    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private boolean ended;

    private InMemorySource(String name, int bufferSize) {
        super(name, bufferSize);
    }

    /**
     * Returns a source that emits the given items in order, then completes.
     *
     * @param items the items, none null
     * @param <T> the type of items
     * @return a new source
     * @throws NullPointerException if an item is null
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, as a list
    public static <T> InMemorySource<T> of(T... items) {
        return from(Arrays.asList(Objects.requireNonNull(items, "items")));
    }

    /**
     * Returns a source that emits the given items in order, then completes.
     *
     * @param items the items, none null
     * @param <T> the type of items
     * @return a new source
     * @throws NullPointerException if an item is null
     */
    public static <T> InMemorySource<T> from(Iterable<? extends T> items) {
        InMemorySource<T> source = manual();
        for (T item : Objects.requireNonNull(items, "items")) {
            source.push(item);
        }
        return source.complete();
    }

    /**
     * Returns a source that emits what the test pushes, with a buffer of 256 items per subscriber.
     *
     * @param <T> the type of items
     * @return a new source
     */
    public static <T> InMemorySource<T> manual() {
        return manual("InMemorySource", 256);
    }

    /**
     * Returns a source that emits what the test pushes.
     *
     * @param name the source's name in error messages and thread names
     * @param bufferSize the number of items buffered for each subscriber
     * @param <T> the type of items
     * @return a new source
     * @throws IllegalArgumentException if bufferSize is not positive
     */
    public static <T> InMemorySource<T> manual(String name, int bufferSize) {
        return new InMemorySource<>(Objects.requireNonNull(name, "name"), bufferSize);
    }

    /**
     * Queues an item to emit.
     *
     * @param item the item, not null
     * @return this source
     * @throws NullPointerException if item is null
     * @throws IllegalStateException if the source was already completed or failed
     */
    public synchronized InMemorySource<T> push(T item) {
        Objects.requireNonNull(item, "item");
        checkOpen("push");
        queue.add(item);
        return this;
    }

    /**
     * Completes the source after the items pushed so far.
     *
     * @return this source
     * @throws IllegalStateException if the source was already completed or failed
     */
    public synchronized InMemorySource<T> complete() {
        checkOpen("complete");
        ended = true;
        queue.add(END);
        return this;
    }

    /**
     * Fails the source after the items pushed so far: the pipeline fails with {@code error} as
     * the cause.
     *
     * @param error the failure
     * @return this source
     * @throws IllegalStateException if the source was already completed or failed
     */
    public synchronized InMemorySource<T> fail(Throwable error) {
        Objects.requireNonNull(error, "error");
        checkOpen("fail");
        ended = true;
        queue.add(new Failed(error));
        return this;
    }

    @Override
    protected void produce() throws Exception {
        for (Object next = queue.take(); next != END; next = queue.take()) {
            if (next instanceof Failed) {
                Throwable error = ((Failed) next).error;
                if (error instanceof Error) {
                    throw (Error) error;
                }
                throw error instanceof Exception ? (Exception) error : new Exception(error);
            }
            @SuppressWarnings("unchecked")
            T item = (T) next;
            emit(item);
        }
    }

    private void checkOpen(String call) {
        if (ended) {
            throw new IllegalStateException("cannot " + call + ": source '" + name() + "' was already completed or failed");
        }
    }

    private static final class Failed {
        final Throwable error;

        Failed(Throwable error) {
            this.error = error;
        }
    }
}
