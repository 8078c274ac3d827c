package io.nanostream.flow;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The real clock, with one timer thread that exists only while timers are pending. Timer tasks
 * only hand work to a pipeline's threads, so one thread serves a whole pipeline.
 */
final class SystemScheduler implements Scheduler {

    private final ScheduledThreadPoolExecutor timers;

    SystemScheduler(String owner) {
        timers = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "nanostream-" + owner + "-timer");
            thread.setDaemon(true);
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
     * Drops pending timers and waits up to the timeout for the timer thread to end.
     *
     * @return true if it ended in time
     */
    boolean shutdown(long timeoutNanos) throws InterruptedException {
        timers.shutdownNow();
        return timers.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS);
    }
}
