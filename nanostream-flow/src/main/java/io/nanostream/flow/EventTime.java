package io.nanostream.flow;

import java.time.Duration;
import java.util.function.ToLongFunction;

/**
 * When each item happened, and how far behind the stream's progress an item may still arrive:
 * what {@link Steps#window(java.util.function.Function, EventTime, Window, java.util.stream.Collector)}
 * needs to cut a stream into windows by the time of its events rather than the time they arrive.
 * A replayed item has the same event time as the first time, so it lands in the same window: event
 * time is what makes windowed results the same after a crash and a replay.
 *
 * <p><b>Watermark.</b> The step keeps, per input, the largest event time seen minus
 * {@link #maxOutOfOrder}; the watermark is the smallest of these over the inputs that are not idle,
 * and moves back only when a source's partitions change (see below). An input is a partition of a source (a Kafka partition: one fast partition
 * does not close the windows of a slow one; see {@link AbstractSource#emit(Object, Object,
 * DeliveryCallback)}), or the whole stream when the pipeline tracks no delivery. A window is
 * emitted once, when the watermark reaches its end plus {@link #allowedLateness}; an item that
 * arrives after all that for its window goes to the step's {@linkplain ErrorPolicy error policy}
 * as a {@link LateEventException} saying how late it was.
 *
 * <p><b>Idle inputs.</b> An input that has delivered nothing for {@link #idleAfter} (30 seconds
 * unless set, on the pipeline's scheduler) stops holding the watermark back, and so does a
 * partition a source has announced but not yet read from, unless its source has items of it
 * waiting ({@link AbstractSource#hasWaiting}: a Kafka partition still behind, or paused, is never
 * idle, so a restart that catches up does not close windows early). When every input is idle, event time
 * moves on with the clock from the largest event time seen, so the last windows close even when
 * no more events arrive. The end of input closes every window.
 *
 * <p><b>Revoked partitions.</b> When a source announces that a partition is no longer read (a
 * Kafka rebalance; see {@link AbstractSource#partitionsChanged}), the windows holding its items
 * are dropped and those items failed back, not acknowledged, so that the partition's next reader
 * computes the windows whole; items of it still on their way are dropped as well. A partition
 * revoked and assigned again is a new input: the watermark moves back to wait for it, and until
 * it has caught up its items are judged late by the watermark since the assignment, as a pipeline
 * started afresh on the partitions read now would judge them. A window whose items come from a revoked partition and from one still read
 * fails the pipeline: a key's items must come from partitions assigned together.
 *
 * <pre>{@code
 * EventTime<Order> time = EventTime.of(Order::epochMillis)
 *         .maxOutOfOrder(Duration.ofSeconds(2))
 *         .allowedLateness(Duration.ofSeconds(1))
 *         .idleAfter(Duration.ofSeconds(10));
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class EventTime<T> {

    private static final Duration DEFAULT_IDLE = Duration.ofSeconds(30);

    final ToLongFunction<? super T> timestamp;
    final long maxOutOfOrderMillis;
    final long allowedLatenessMillis;
    final Duration idleAfter;

    private EventTime(ToLongFunction<? super T> timestamp, long maxOutOfOrderMillis, long allowedLatenessMillis,
            Duration idleAfter) {
        this.timestamp = timestamp;
        this.maxOutOfOrderMillis = maxOutOfOrderMillis;
        this.allowedLatenessMillis = allowedLatenessMillis;
        this.idleAfter = idleAfter;
    }

    /**
     * Event time read from each item, in milliseconds since the epoch; for a Kafka record,
     * {@code EventTime.of(KafkaRecord::timestamp)}. In order (no out-of-orderness allowed), no
     * allowed lateness, idle after 30 seconds.
     *
     * @param epochMillis gives an item's event time in milliseconds since 1970-01-01T00:00Z
     * @param <T> the type of items
     * @return the event time
     * @throws NullPointerException if epochMillis is null
     */
    public static <T> EventTime<T> of(ToLongFunction<? super T> epochMillis) {
        return new EventTime<>(Checks.notNull(epochMillis, "epochMillis"), 0, 0, DEFAULT_IDLE);
    }

    /**
     * Returns this event time with the watermark this far behind the largest event time seen on
     * each input: an item up to this much older than one seen before it is still on time.
     *
     * @param bound how far out of order items may arrive, at millisecond precision
     * @return a new event time
     * @throws NullPointerException if bound is null
     * @throws IllegalArgumentException if bound is negative
     */
    public EventTime<T> maxOutOfOrder(Duration bound) {
        return new EventTime<>(timestamp, notNegative(bound, "maxOutOfOrder"), allowedLatenessMillis, idleAfter);
    }

    /**
     * Returns this event time keeping each window open until the watermark is this far past its
     * end, for items later than {@link #maxOutOfOrder} allows.
     *
     * @param lateness how long a window waits past its end, at millisecond precision
     * @return a new event time
     * @throws NullPointerException if lateness is null
     * @throws IllegalArgumentException if lateness is negative
     */
    public EventTime<T> allowedLateness(Duration lateness) {
        return new EventTime<>(timestamp, maxOutOfOrderMillis, notNegative(lateness, "allowedLateness"), idleAfter);
    }

    /**
     * Returns this event time counting an input as idle once it has delivered nothing for
     * {@code timeout} on the pipeline's scheduler. Choose it longer than the pauses of an input
     * whose items must not be late: an item of an idle input older than the watermark is late.
     *
     * @param timeout how long an input may be quiet before it stops holding the watermark back
     * @return a new event time
     * @throws NullPointerException if timeout is null
     * @throws IllegalArgumentException if timeout is not positive
     */
    public EventTime<T> idleAfter(Duration timeout) {
        return new EventTime<>(timestamp, maxOutOfOrderMillis, allowedLatenessMillis,
                Checks.positive(timeout, "idleAfter"));
    }

    private static long notNegative(Duration value, String name) {
        if (Checks.notNull(value, name).isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
        return value.toMillis();
    }

    @Override
    public String toString() {
        return "EventTime(maxOutOfOrder " + Duration.ofMillis(maxOutOfOrderMillis) + ", allowedLateness "
                + Duration.ofMillis(allowedLatenessMillis) + ", idleAfter " + idleAfter + ")";
    }
}
