package io.nanostream.flow;

import java.time.Duration;

/**
 * How {@link Steps#window} cuts a keyed stream into tumbling windows: by time (every key's
 * window closes at the same moments, aligned to the epoch: a one-minute window runs from one
 * whole minute to the next) or by count (a key's window closes when it holds so many items).
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

    final Duration length;
    final int size;
    final int maxKeys;
    final boolean emitEarly;

    private Window(Duration length, int size, int maxKeys, boolean emitEarly) {
        this.length = length;
        this.size = size;
        this.maxKeys = maxKeys;
        this.emitEarly = emitEarly;
    }

    /**
     * Windows of a fixed length of time, aligned to the epoch of the pipeline's scheduler.
     *
     * @param length the length of each window
     * @return the window
     * @throws NullPointerException if length is null
     * @throws IllegalArgumentException if length is not positive
     */
    public static Window ofTime(Duration length) {
        return new Window(Checks.positive(length, "length"), 0, DEFAULT_MAX_KEYS, false);
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
        return new Window(null, Checks.positive(size, "size"), DEFAULT_MAX_KEYS, false);
    }

    /**
     * Returns this window with at most {@code maxKeys} keys open at a time.
     *
     * @param maxKeys the largest number of open keys
     * @return a new window
     * @throws IllegalArgumentException if maxKeys is not positive
     */
    public Window maxKeys(int maxKeys) {
        return new Window(length, size, Checks.positive(maxKeys, "maxKeys"), emitEarly);
    }

    /**
     * Returns this window emitting the oldest open key's window early when a new key would
     * exceed {@link #maxKeys(int)}, rather than failing the item.
     *
     * @return a new window
     */
    public Window emitEarlyWhenFull() {
        return new Window(length, size, maxKeys, true);
    }

    @Override
    public String toString() {
        return (length != null ? "Window.ofTime(" + length + ")" : "Window.ofCount(" + size + ")")
                + " with at most " + maxKeys + " keys" + (emitEarly ? ", emitting early when full" : "");
    }
}
