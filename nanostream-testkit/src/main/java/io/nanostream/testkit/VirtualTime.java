package io.nanostream.testkit;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Scheduler;
import io.nanostream.flow.internal.Quiescence;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Time that moves only when the test says so, for the time-based steps of a pipeline (batch
 * timeouts, time windows, throttling, retry backoff): a test of a one-minute window runs in
 * milliseconds, with the same result every run.
 *
 * <ol>
 *   <li>Build the pipeline, and take its time from here with {@link #of(Pipeline)} before
 *       starting it.</li>
 *   <li>Push items with an {@link InMemorySource#manual() InMemorySource}.</li>
 *   <li>{@link #advance} the clock. It first lets the pipeline settle (every pushed item handled
 *       as far as it can go without time passing), then moves the clock from one timer to the
 *       next, running each and letting the pipeline settle again, so what a timer emits is
 *       handled before the next timer runs.</li>
 *   <li>Assert on the sinks: after {@code advance} returns, everything due by then has
 *       happened.</li>
 * </ol>
 *
 * <pre>{@code
 * var pipeline = Pipeline.from(source);             // source -> Steps.batch(100, 1 min) -> sink
 * var time = VirtualTime.of(pipeline);
 * pipeline.start();
 * source.push("a").push("b");
 * time.advance(Duration.ofSeconds(59));
 * assertEquals(List.of(), sink.items());
 * time.advance(Duration.ofSeconds(1));
 * assertEquals(List.of(List.of("a", "b")), sink.items());
 * }</pre>
 *
 * <p>Settling waits for items in buffers and in steps, and for timed actions and asynchronous
 * calls under way; a thread that waits on this clock (a throttle, a retry backoff) counts as
 * settled, and so does a source waiting for buffer space. It gives up with an
 * {@link AssertionError} after 30 seconds, saying what was still busy.
 *
 * <p>Once the pipeline stops (or fails, or is closed), threads stop waiting on this clock, so that
 * {@code stop()} and {@code close()} drain the pipeline without the test moving time.
 */
public final class VirtualTime implements Scheduler {

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final long STOP_CHECK_MILLIS = 10;
    private static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

    private final Pipeline pipeline;
    private final Instant start;
    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    /** Threads blocked in {@link #sleep}; removed by their wake-up before they run again. */
    private final Set<Thread> sleeping = ConcurrentHashMap.newKeySet();
    private long elapsedNanos;
    private long scheduled;

    private VirtualTime(Pipeline pipeline, Instant start) {
        this.pipeline = pipeline;
        this.start = start;
    }

    /**
     * Makes {@code pipeline} take its time from a new virtual clock that reads
     * 2026-01-01T00:00:00Z.
     *
     * @param pipeline a pipeline not started yet
     * @return the clock
     * @throws NullPointerException if pipeline is null
     * @throws IllegalStateException if the pipeline was already started
     */
    public static VirtualTime of(Pipeline pipeline) {
        return of(pipeline, DEFAULT_START);
    }

    /**
     * Makes {@code pipeline} take its time from a new virtual clock that reads {@code start}.
     *
     * @param pipeline a pipeline not started yet
     * @param start the wall-clock time to start from
     * @return the clock
     * @throws NullPointerException if pipeline or start is null
     * @throws IllegalStateException if the pipeline was already started
     */
    public static VirtualTime of(Pipeline pipeline, Instant start) {
        VirtualTime time = new VirtualTime(Objects.requireNonNull(pipeline, "pipeline"),
                Objects.requireNonNull(start, "start"));
        pipeline.withScheduler(time);
        return time;
    }

    @Override
    public long nanoTime() {
        lock.lock();
        try {
            return elapsedNanos;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Instant now() {
        return start.plusNanos(nanoTime());
    }

    /**
     * Returns how much virtual time has passed since the clock was made.
     *
     * @return the time passed
     */
    public Duration elapsed() {
        return Duration.ofNanos(nanoTime());
    }

    /**
     * Runs {@code task} when the clock has been advanced by {@code delay}, on the thread that
     * advances it; at once, on the calling thread, if delay is not positive.
     */
    @Override
    public Task schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long nanos = Objects.requireNonNull(delay, "delay").toNanos();
        if (nanos <= 0) {
            task.run();
            return () -> false;
        }
        lock.lock();
        try {
            Timer timer = new Timer(elapsedNanos + nanos, scheduled++, task);
            timers.add(timer);
            return () -> cancel(timer);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks the calling thread until the clock has been advanced by {@code duration}, or the
     * pipeline stops: nobody moves time while a pipeline is stopped or closed, so a stopping
     * pipeline drains without waiting on this clock.
     */
    @Override
    public void sleep(Duration duration) throws InterruptedException {
        if (Objects.requireNonNull(duration, "duration").toNanos() <= 0) {
            return;
        }
        Thread sleeper = Thread.currentThread();
        CountDownLatch woken = new CountDownLatch(1);
        Task wakeUp = schedule(duration, () -> {
            sleeping.remove(sleeper); // before it runs: from now on its work counts as busy
            woken.countDown();
        });
        sleeping.add(sleeper); // only now: settled with its wake-up already due, never before
        if (woken.getCount() == 0) {
            sleeping.remove(sleeper);
        }
        try {
            while (!woken.await(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS) && isRunning()) {
                // nobody moves time while the pipeline stops: it drains without waiting
            }
        } finally {
            wakeUp.cancel();
            sleeping.remove(sleeper);
        }
    }

    /**
     * Lets the pipeline settle, then moves the clock forward by {@code duration}, running every
     * timer that falls due on the way, in order, each on a settled pipeline.
     *
     * @param duration how far to move; zero only settles and runs timers already due
     * @throws NullPointerException if duration is null
     * @throws IllegalArgumentException if duration is negative
     * @throws AssertionError if the pipeline does not settle within 30 seconds
     */
    public void advance(Duration duration) {
        if (Objects.requireNonNull(duration, "duration").isNegative()) {
            throw new IllegalArgumentException("duration must not be negative: " + duration);
        }
        settle();
        long target = nanoTime() + duration.toNanos();
        for (Timer due = nextDue(target); due != null; due = nextDue(target)) {
            due.task.run();
            settle();
        }
        lock.lock();
        try {
            elapsedNanos = target;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the pipeline has handled everything it can without time passing.
     *
     * @throws AssertionError if it does not settle within 30 seconds, naming what is still busy
     */
    public void settle() {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        for (String busy = busyWith(); busy != null; busy = busyWith()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the pipeline did not settle within " + SETTLE_TIMEOUT + ": " + busy);
            }
            LockSupport.parkNanos(50_000);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for the pipeline to settle: " + busy);
            }
        }
    }

    /**
     * Returns the number of timers waiting for the clock to reach them.
     *
     * @return the number of pending timers
     */
    public int pendingTimers() {
        lock.lock();
        try {
            return timers.size();
        } finally {
            lock.unlock();
        }
    }

    private boolean isRunning() {
        Pipeline.State state = pipeline.state();
        return state == Pipeline.State.NEW || state == Pipeline.State.RUNNING;
    }

    private String busyWith() {
        return Quiescence.busyWith(pipeline, VirtualTime::sourceIdle, sleeping::contains);
    }

    private static boolean sourceIdle(AbstractSource<?> source) {
        return source instanceof InMemorySource ? ((InMemorySource<?>) source).isIdle() : Quiescence.isWaiting(source);
    }

    /** Removes the first timer due by {@code target}, with the clock moved to it; null if none. */
    private Timer nextDue(long target) {
        lock.lock();
        try {
            Timer first = timers.peek();
            if (first == null || first.due > target) {
                return null;
            }
            timers.poll();
            elapsedNanos = Math.max(elapsedNanos, first.due);
            return first;
        } finally {
            lock.unlock();
        }
    }

    private boolean cancel(Timer timer) {
        lock.lock();
        try {
            return timers.remove(timer);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "VirtualTime[" + now() + ", " + pendingTimers() + " pending timers]";
    }

    /** A task due at a point of virtual time; ties run in the order they were scheduled. */
    private static final class Timer implements Comparable<Timer> {
        final long due;
        final long sequence;
        final Runnable task;

        Timer(long due, long sequence, Runnable task) {
            this.due = due;
            this.sequence = sequence;
            this.task = task;
        }

        @Override
        public int compareTo(Timer other) {
            int byTime = Long.compare(due, other.due);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
