package io.nanostream.flow;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a pipeline owns. A consumer blocked in {@code submit} holds its thread, so the pool
 * grows with the number of busy links instead of being sized by CPU count: a fixed pool smaller
 * than the chain would deadlock. Idle threads are reused; {@link #close} ends and joins all.
 */
final class WorkerThreads implements Executor {

    private final ThreadPoolExecutor pool;
    private final Queue<Thread> created = new ConcurrentLinkedQueue<>();

    WorkerThreads(String pipelineName) {
        this(pipelineName, false);
    }

    /** @param daemon whether the threads are daemons, which do not keep the JVM alive */
    WorkerThreads(String ownerName, boolean daemon) {
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "nanostream-" + ownerName + "-" + count.incrementAndGet());
                    thread.setDaemon(daemon);
                    created.add(thread);
                    created.removeIf(t -> t.getState() == Thread.State.TERMINATED);
                    return thread;
                });
    }

    /**
     * Lets every thread end as soon as it is idle, while still taking tasks (on new threads if
     * need be): for a node running alone that has terminated, to which a late subscriber may
     * still subscribe.
     */
    void releaseIdle() {
        pool.setKeepAliveTime(1, TimeUnit.MILLISECONDS);
    }

    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    /**
     * Lets running tasks finish, then waits for every thread to end; interrupts them if they
     * have not ended in time.
     *
     * @return true if every thread ended within the timeout
     */
    boolean close(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        pool.shutdown();
        if (!pool.awaitTermination(timeoutNanos / 2, TimeUnit.NANOSECONDS)) {
            pool.shutdownNow(); // interrupt what is still stuck, and give it the rest of the time
        }
        for (Thread thread : created) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(thread, left);
            }
        }
        return created.stream().noneMatch(Thread::isAlive);
    }

    /** Interrupts every task and stops taking new ones. */
    void closeNow() {
        pool.shutdownNow();
    }
}
