package io.nanostream.flow;

import java.time.Duration;
import java.time.Instant;

/**
 * Where time-based steps take their time from: a clock, timers, and sleeping. Every built-in step
 * that waits ({@linkplain Steps#batch batch}, {@linkplain Steps#window windows},
 * {@linkplain Steps#throttle throttle}, {@linkplain ErrorPolicy#retry retry} backoff) asks its
 * pipeline's scheduler, never {@code System.nanoTime} or {@code Thread.sleep}, so a test can swap
 * in virtual time (the testkit's {@code VirtualTime}) and run a one-minute window in milliseconds.
 *
 * <p>A pipeline uses the system clock and a timer thread of its own unless it is given another
 * scheduler with {@link Pipeline#withScheduler}. A step reaches its pipeline's scheduler through
 * {@link AbstractStep#scheduler()}, and runs timed actions with {@link AbstractStep#schedule}; a
 * sink through {@link AbstractSink#scheduler()}, a source through {@link AbstractSource#scheduler()}
 * (a Kafka source times its commit interval with it).
 *
 * <p>Timer tasks must be short and must not block: the built-in steps only hand the work to the
 * pipeline's threads from them.
 *
 * <pre>{@code
 * Scheduler clock = step.scheduler();
 * long started = clock.nanoTime();
 * Scheduler.Task flush = clock.schedule(Duration.ofSeconds(1), () -> flushRequested.set(true));
 * flush.cancel();
 * clock.sleep(Duration.ofMillis(100));
 * Duration spent = Duration.ofNanos(clock.nanoTime() - started);
 * }</pre>
 */
public interface Scheduler {

    /**
     * Returns the current value of a monotonic clock, in nanoseconds, like
     * {@link System#nanoTime()}: only differences between two readings mean anything.
     *
     * @return the current time of the monotonic clock
     */
    long nanoTime();

    /**
     * Returns the current wall-clock time, which time windows are aligned to.
     *
     * @return the current instant
     */
    Instant now();

    /**
     * Runs {@code task} once, after {@code delay}, on a thread of this scheduler.
     *
     * @param delay how long to wait; zero or negative to run as soon as possible
     * @param task what to run; it must be short and must not block
     * @return a handle that cancels the task if it has not run yet
     * @throws NullPointerException if delay or task is null
     * @throws java.util.concurrent.RejectedExecutionException if this scheduler was shut down
     */
    Task schedule(Duration delay, Runnable task);

    /**
     * Blocks the calling thread for {@code duration}.
     *
     * @param duration how long; zero or negative returns at once
     * @throws NullPointerException if duration is null
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    void sleep(Duration duration) throws InterruptedException;

    /** A task given to {@link #schedule}. */
    interface Task {

        /**
         * Cancels the task if it has not started yet.
         *
         * @return true if this call kept the task from running
         */
        boolean cancel();
    }
}
