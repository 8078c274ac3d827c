package io.nanostream.flow;

import java.time.Duration;
import java.time.Instant;

/**
 * An item whose event-time window had already been emitted when it arrived; the window step hands
 * it to its {@linkplain ErrorPolicy error policy}, so that a late item is failed on, skipped and
 * counted, or dead-lettered, and never dropped unseen.
 *
 * <pre>{@code
 * Steps.window(Order::customer, EventTime.of(Order::epochMillis), Window.ofTime(Duration.ofMinutes(1)),
 *                 Collectors.summingLong(Order::cents))
 *         .withErrorPolicy(ErrorPolicy.deadLetter(lateOrders)); // dead letters with a LateEventException
 * }</pre>
 */
public final class LateEventException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The item's event time. */
    private final Instant eventTime;
    /** The watermark when the item arrived. */
    private final Instant watermark;
    /** How far the watermark was past the window's end plus its allowed lateness. */
    private final Duration lateness;

    LateEventException(String step, long eventTime, long windowEnd, long watermark, long allowedLateness) {
        super(step + " received an item of event time " + Instant.ofEpochMilli(eventTime) + " after its window, ending "
                + Instant.ofEpochMilli(windowEnd) + ", was emitted: the watermark was " + Instant.ofEpochMilli(watermark)
                + ", " + Duration.ofMillis(watermark - windowEnd - allowedLateness) + " past the window's end plus its"
                + " allowed lateness of " + Duration.ofMillis(allowedLateness) + ". Raise EventTime.maxOutOfOrder or"
                + " allowedLateness to keep such items, or let the error policy skip or dead-letter them.");
        this.eventTime = Instant.ofEpochMilli(eventTime);
        this.watermark = Instant.ofEpochMilli(watermark);
        this.lateness = Duration.ofMillis(watermark - windowEnd - allowedLateness);
    }

    /**
     * Returns the item's event time.
     *
     * @return the event time
     */
    public Instant eventTime() {
        return eventTime;
    }

    /**
     * Returns the watermark when the item arrived.
     *
     * @return the watermark
     */
    public Instant watermark() {
        return watermark;
    }

    /**
     * Returns how far the watermark was past the moment the item's window closed (its end plus the
     * allowed lateness).
     *
     * @return how late the item was
     */
    public Duration lateness() {
        return lateness;
    }
}
