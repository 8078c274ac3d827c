package io.nanostream.flow;

import java.time.Duration;

/**
 * How {@link Steps#window} cuts a keyed stream into windows: tumbling windows by time (every
 * key's window closes at the same moments, aligned to the epoch: a one-minute window runs from
 * one whole minute to the next), hopping windows (of a length, one starting every advance, so an
 * item belongs to several), session windows (a key's items closer together than a gap), or
 * tumbling windows by count (a key's window closes when it holds so many items).
 *
 * <p>Time windows use event time when the step is given an {@link EventTime}: a replayed item
 * lands in the same window as the first time, so results are the same after a crash. Without one,
 * tumbling windows use the time items arrive (processing time), which puts a replayed item in
 * another window than the first time: use them only where a replay may change results. Hopping and
 * session windows need event time.
 *
 * <p>The step keeps one accumulator per key with an open window, and at most
 * {@link #maxKeys(int) maxKeys} of them (100 000 unless set). When a new key would exceed the
 * bound, the item fails, which the step's {@link ErrorPolicy} handles; or, with
 * {@link #emitEarlyWhenFull()}, the window of the key that opened first is emitted early to make
 * room.
 *
 * <pre>{@code
 * Window everyMinute = Window.ofTime(Duration.ofMinutes(1)).maxKeys(1_000_000);
 * Window everyHundred = Window.ofCount(100).emitEarlyWhenFull();
 * }</pre>
 */
public final class Window {

    private static final int DEFAULT_MAX_KEYS = 100_000;

    /** For time windows their length; for session windows null. */
    final Duration length;
    /** For hopping windows how far apart they start; for tumbling windows their length; else null. */
    final Duration advance;
    /** For session windows the gap that ends a session; else null. */
    final Duration gap;
    final int size;
    final int maxKeys;
    final boolean emitEarly;

    private Window(Duration length, Duration advance, Duration gap, int size, int maxKeys, boolean emitEarly) {
        this.length = length;
        this.advance = advance;
        this.gap = gap;
        this.size = size;
        this.maxKeys = maxKeys;
        this.emitEarly = emitEarly;
    }

    /**
     * Tumbling windows of a fixed length of time, aligned to the epoch: of event time, or else of
     * the pipeline's scheduler.
     *
     * @param length the length of each window
     * @return the window
     * @throws NullPointerException if length is null
     * @throws IllegalArgumentException if length is not positive
     */
    public static Window ofTime(Duration length) {
        return new Window(Checks.positive(length, "length"), length, null, 0, DEFAULT_MAX_KEYS, false);
    }

    /**
     * Hopping windows of event time: each {@code length} long, one starting every {@code advance}
     * (aligned to the epoch), so that an item belongs to {@code length / advance} windows, rounded
     * up. A five-minute window every minute is a moving five-minute total, updated every minute.
     *
     * @param length the length of each window
     * @param advance how far apart windows start; at most {@code length}
     * @return the window
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if an argument is not positive, or advance exceeds length
     */
    public static Window hopping(Duration length, Duration advance) {
        Checks.positive(length, "length");
        Checks.positive(advance, "advance");
        if (advance.compareTo(length) > 0) {
            throw new IllegalArgumentException("advance must not exceed length: advance " + advance + ", length "
                    + length + " would leave items in no window");
        }
        return new Window(length, advance, null, 0, DEFAULT_MAX_KEYS, false);
    }

    /**
     * Session windows of event time: a key's session holds items each less than {@code gap} after
     * another, and ends {@code gap} after its last item. An item that falls between two sessions
     * of its key joins them into one (with the collector's combiner).
     *
     * @param gap the quiet time that ends a session
     * @return the window
     * @throws NullPointerException if gap is null
     * @throws IllegalArgumentException if gap is not positive
     */
    public static Window session(Duration gap) {
        return new Window(null, null, Checks.positive(gap, "gap"), 0, DEFAULT_MAX_KEYS, false);
    }

    /**
     * Windows of a fixed number of items per key; the rest of each key's items are emitted at
     * the end of input.
     *
     * @param size the number of items in each window
     * @return the window
     * @throws IllegalArgumentException if size is not positive
     */
    public static Window ofCount(int size) {
        return new Window(null, null, null, Checks.positive(size, "size"), DEFAULT_MAX_KEYS, false);
    }

    /**
     * Returns this window with at most {@code maxKeys} keys open at a time; for event-time
     * windows, at most so many windows open at a time over all keys.
     *
     * @param maxKeys the largest number of open keys
     * @return a new window
     * @throws IllegalArgumentException if maxKeys is not positive
     */
    public Window maxKeys(int maxKeys) {
        return new Window(length, advance, gap, size, Checks.positive(maxKeys, "maxKeys"), emitEarly);
    }

    /**
     * Returns this window emitting the oldest open key's window early when a new key would
     * exceed {@link #maxKeys(int)}, rather than failing the item.
     *
     * @return a new window
     */
    public Window emitEarlyWhenFull() {
        return new Window(length, advance, gap, size, maxKeys, true);
    }

    boolean isByCount() {
        return length == null && gap == null;
    }

    private String describe() {
        if (gap != null) {
            return "Window.session(" + gap + ")";
        }
        if (length == null) {
            return "Window.ofCount(" + size + ")";
        }
        return advance.equals(length) ? "Window.ofTime(" + length + ")" : "Window.hopping(" + length + ", " + advance + ")";
    }

    @Override
    public String toString() {
        return describe()
                + " with at most " + maxKeys + " keys" + (emitEarly ? ", emitting early when full" : "");
    }
}
