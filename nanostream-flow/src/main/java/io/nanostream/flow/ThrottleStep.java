package io.nanostream.flow;

import java.time.Duration;

/**
 * {@link Steps#throttle}: lets at most {@code permits} items through in any span of
 * {@code period}. An item that would exceed it waits, and with it the step's input, so upstream
 * is back-pressured rather than items dropped.
 */
final class ThrottleStep<T> extends AbstractStep<T, T> {

    private final long periodNanos;
    /** When each of the last {@code permits} items went through, oldest at {@code next}. */
    private final long[] passed;
    private int next;
    private long count;

    ThrottleStep(int permits, Duration period) {
        super("throttle", DEFAULT_BUFFER_SIZE);
        this.passed = new long[Checks.positive(permits, "permits")];
        this.periodNanos = Checks.positive(period, "period").toNanos();
    }

    @Override
    protected void process(T item) throws InterruptedException {
        Scheduler clock = scheduler();
        if (count >= passed.length) {
            long wait = passed[next] + periodNanos - clock.nanoTime();
            if (wait > 0) {
                clock.sleep(Duration.ofNanos(wait));
            }
        }
        passed[next] = clock.nanoTime();
        next = (next + 1) % passed.length;
        count++;
        emit(item);
    }
}
