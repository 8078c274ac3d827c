package io.nanostream.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The real clock, with one timer thread that exists only while timers are pending. Timer tasks
 * only hand work to a pipeline's threads, so one thread serves a whole pipeline.
 */
final class SystemScheduler implements Scheduler {

    private final ScheduledThreadPoolExecutor timers;
    /** The timer threads made so far, joined by {@link #shutdown(long)}. */
    private final Queue<Thread> created = new ConcurrentLinkedQueue<>();

    SystemScheduler(String owner) {
        timers = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "nanostream-" + owner + "-timer");
            thread.setDaemon(true);
            created.removeIf(t -> t.getState() == Thread.State.TERMINATED);
            created.add(thread);
            return thread;
        });
        timers.setKeepAliveTime(1, TimeUnit.SECONDS);
        timers.allowCoreThreadTimeOut(true);
        timers.setRemoveOnCancelPolicy(true);
        timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public Task schedule(Duration delay, Runnable task) {
        Checks.notNull(task, "task");
        ScheduledFuture<?> future = timers.schedule(task, Checks.notNull(delay, "delay").toNanos(),
                TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        long nanos = Checks.notNull(duration, "duration").toNanos();
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }

    /** Drops pending timers and lets the timer thread end. */
    void shutdown() {
        timers.shutdownNow();
    }

    /**
     * Drops pending timers and waits up to the timeout for the timer thread to end: not only its
     * last task, the thread itself.
     *
     * @return true if it ended in time
     */
    boolean shutdown(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        timers.shutdownNow();
        if (!timers.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS)) {
            return false;
        }
        for (Thread thread : created) {
            TimeUnit.NANOSECONDS.timedJoin(thread, Math.max(1, deadline - System.nanoTime()));
        }
        return created.stream().noneMatch(Thread::isAlive);
    }
}
