package io.nanostream.flow;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a pipeline owns. A consumer blocked in {@code submit} holds its thread, so the pool
 * grows with the number of busy links instead of being sized by CPU count: a fixed pool smaller
 * than the chain would deadlock. Idle threads are reused, and all of them end on shutdown.
 */
final class WorkerThreads {

    /** Marks threads that deliver signals between nanostream nodes. */
    static final class Worker extends Thread {
        Worker(Runnable task, String name) {
            super(task, name);
        }
    }

    private WorkerThreads() {
    }

    static ExecutorService start(String pipelineName) {
        AtomicInteger count = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(),
                task -> new Worker(task, "nanostream-" + pipelineName + "-" + count.incrementAndGet()));
    }

    static boolean isWorker(Thread thread) {
        return thread instanceof Worker;
    }
}
