package io.nanostream.testkit;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.DeliveryCallback;
import io.nanostream.flow.internal.Quiescence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A source for tests: emits given items in order and completes, or emits what the test
 * {@linkplain #push pushes} by hand until the test calls {@link #complete} or {@link #fail}.
 *
 * <p>{@link #from(Iterable)} reads its items lazily, as the pipeline takes them, so it can feed
 * a long or endless sequence. Pushed items wait in an unbounded queue until the pipeline takes
 * them, so {@code push} never blocks the test; inside the pipeline the usual bounded buffers and
 * back-pressure apply.
 *
 * <p>It tracks delivery: each item is emitted with a {@link DeliveryCallback}, and the source
 * records which items were {@linkplain #acknowledged() acknowledged} (delivered to every sink
 * they reached), in order, and which {@linkplain #deliveryFailures() failed}. A test can wait for
 * them, and check each acknowledgement as it happens with {@link #onAcknowledged}.
 *
 * <pre>{@code
 * var source = InMemorySource.of("a", "b", "c");   // emits a, b, c, then completes
 *
 * var manual = InMemorySource.<String>manual();    // emits what the test pushes
 * manual.push("x").push("y");
 * sink.awaitCount(2, Duration.ofSeconds(5));
 * manual.complete();
 *
 * source.onAcknowledged(item -> assertTrue(sink.items().contains(item), "acknowledged before consumed"));
 * // ... run the pipeline ...
 * assertEquals(List.of("a", "b", "c"), source.awaitAllAcknowledged(Duration.ofSeconds(5)));
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class InMemorySource<T> extends AbstractSource<T> {

    private static final Object END = new Object();

    /** The items to emit, or null for a source the test pushes into. */
    private final Iterable<? extends T> items;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private boolean ended;
    private final Monitor monitor = new Monitor();
    private final List<T> acknowledged = new ArrayList<>();
    private final List<T> failedDeliveries = new ArrayList<>();
    private int emitted;
    private boolean produced;
    private volatile Consumer<? super T> acknowledgementCheck = item -> { };
    /** Pushed signals (items, end, failure) not yet fully emitted. */
    private final AtomicInteger unhandled = new AtomicInteger();

    private InMemorySource(String name, int bufferSize, Iterable<? extends T> items) {
        super(name, bufferSize);
        this.items = items;
        this.ended = items != null;
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
        for (int i = 0; i < Objects.requireNonNull(items, "items").length; i++) {
            Objects.requireNonNull(items[i], "items[" + i + "]");
        }
        return from(List.of(items));
    }

    /**
     * Returns a source that emits the given items in order, reading them only as the pipeline
     * takes them, then completes. A null item fails the pipeline when it is reached.
     *
     * @param items the items, read once
     * @param <T> the type of items
     * @return a new source
     */
    public static <T> InMemorySource<T> from(Iterable<? extends T> items) {
        return new InMemorySource<>("InMemorySource", 256, Objects.requireNonNull(items, "items"));
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
        return new InMemorySource<>(Objects.requireNonNull(name, "name"), bufferSize, null);
    }

    /**
     * Queues an item to emit.
     *
     * @param item the item, not null
     * @return this source
     * @throws NullPointerException if item is null
     * @throws IllegalStateException if the source emits given items, or was already completed or
     *     failed
     */
    public synchronized InMemorySource<T> push(T item) {
        Objects.requireNonNull(item, "item");
        checkOpen("push");
        unhandled.incrementAndGet();
        queue.add(item);
        return this;
    }

    /**
     * Queues an item to emit as read from one partition of the input, as a Kafka source emits a
     * record of one of its partitions: event-time windows keep a watermark per partition.
     *
     * @param partition the partition, compared with {@code equals}
     * @param item the item, not null
     * @return this source
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the source emits given items, or was already completed or
     *     failed
     */
    public synchronized InMemorySource<T> push(Object partition, T item) {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(item, "item");
        checkOpen("push");
        unhandled.incrementAndGet();
        queue.add(new FromPartition(partition, item));
        return this;
    }

    /**
     * Announces the partitions this source reads from now on, as a Kafka source does when
     * partitions are assigned or revoked: event-time windows hold their watermark for a partition
     * announced but not yet heard from, until it is idle, and drop what they hold of a partition
     * left out (or announced again after being left out), whose items are then read again. For a
     * {@linkplain #manual() manual} source not yet completed the announcement takes effect in
     * order with the items pushed, after those pushed before it; otherwise at once.
     *
     * @param partitions the partitions, compared with {@code equals}
     * @return this source
     * @throws NullPointerException if a partition is null
     */
    public synchronized InMemorySource<T> announcePartitions(Object... partitions) {
        List<Object> announced = List.of(partitions);
        if (items != null || ended) {
            partitionsChanged(announced);
        } else {
            unhandled.incrementAndGet(); // not idle until it took effect
            queue.add(new Announcement(announced));
        }
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
        unhandled.incrementAndGet();
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
        unhandled.incrementAndGet();
        queue.add(new Failed(error));
        return this;
    }

    /**
     * Runs {@code check} on each item when its delivery is acknowledged, before it is recorded: to
     * assert, say, that the sink has consumed it. If the check throws, the pipeline fails.
     *
     * @param check runs on a pipeline thread at each acknowledgement
     * @return this source
     */
    public InMemorySource<T> onAcknowledged(Consumer<? super T> check) {
        acknowledgementCheck = Objects.requireNonNull(check, "check");
        return this;
    }

    /**
     * Returns the items whose delivery was acknowledged so far, in acknowledgement order.
     *
     * @return a copy of the acknowledged items
     */
    public List<T> acknowledged() {
        return monitor.read(() -> List.copyOf(acknowledged));
    }

    /**
     * Returns the items whose delivery failed so far.
     *
     * @return a copy of the items whose delivery failed
     */
    public List<T> deliveryFailures() {
        return monitor.read(() -> List.copyOf(failedDeliveries));
    }

    /**
     * Waits until the source has emitted all its items and each of them was acknowledged.
     *
     * @param timeout how long to wait at most
     * @return the acknowledged items, in acknowledgement order
     * @throws AssertionError if the time ran out, or a delivery failed
     */
    public List<T> awaitAllAcknowledged(Duration timeout) {
        monitor.awaitUntil(() -> produced && acknowledged.size() + failedDeliveries.size() == emitted,
                timeout, "every item to be acknowledged", this::progress);
        return monitor.read(() -> {
            if (!failedDeliveries.isEmpty()) {
                throw new AssertionError("expected every item to be acknowledged but some failed; " + progress());
            }
            return List.copyOf(acknowledged);
        });
    }

    /**
     * Whether this source has nothing to emit for now: every pushed item has been emitted, or the
     * one being emitted waits for buffer space. The end or failure of a manual source counts until
     * the source has terminated.
     */
    boolean isIdle() {
        if (items != null) {
            return produced() || Quiescence.isWaiting(this);
        }
        return queue.isEmpty() && (unhandled.get() == 0 || Quiescence.isWaiting(this));
    }

    private boolean produced() {
        return monitor.read(() -> produced);
    }

    @Override
    protected boolean tracksDelivery() {
        return true;
    }

    @Override
    protected void produce() throws Exception {
        try {
            if (items != null) {
                for (T item : items) {
                    emitTracked(null, item);
                }
                return;
            }
            for (Object next = queue.take(); next != END; next = queue.take()) {
                if (next instanceof Failed) {
                    Throwable error = ((Failed) next).error;
                    if (error instanceof Error) {
                        throw (Error) error;
                    }
                    throw error instanceof Exception ? (Exception) error : new Exception(error);
                }
                if (next instanceof Announcement) {
                    partitionsChanged(((Announcement) next).partitions);
                    unhandled.decrementAndGet();
                    continue;
                }
                if (next instanceof FromPartition) {
                    @SuppressWarnings("unchecked")
                    T item = (T) ((FromPartition) next).item;
                    emitTracked(((FromPartition) next).partition, item);
                } else {
                    @SuppressWarnings("unchecked")
                    T item = (T) next;
                    emitTracked(null, item);
                }
                unhandled.decrementAndGet();
            }
        } finally {
            monitor.update(() -> produced = true);
        }
    }

    private void emitTracked(Object partition, T item) {
        monitor.update(() -> emitted++);
        emit(item, partition, new DeliveryCallback() {
            @Override
            public void delivered() {
                acknowledgementCheck.accept(item);
                monitor.update(() -> acknowledged.add(item));
            }

            @Override
            public void failed(Throwable cause) {
                monitor.update(() -> failedDeliveries.add(item));
            }
        });
    }

    /** Called with the monitor's lock held. */
    private String progress() {
        return "emitted " + emitted + (produced ? " (all)" : " so far") + ", acknowledged "
                + Monitor.describe(acknowledged, "item") + ", failed " + Monitor.describe(failedDeliveries, "item");
    }

    private void checkOpen(String call) {
        if (ended) {
            throw new IllegalStateException("cannot " + call + ": source '" + name() + "' "
                    + (items != null ? "emits given items; use InMemorySource.manual() to push by hand"
                            : "was already completed or failed"));
        }
    }

    private record FromPartition(Object partition, Object item) {
    }

    private record Announcement(List<Object> partitions) {
    }

    private static final class Failed {
        final Throwable error;

        Failed(Throwable error) {
            this.error = error;
        }
    }
}
