package io.nanostream.flow;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The executor a node hands to {@link java.util.concurrent.SubmissionPublisher} at construction,
 * before any pipeline exists. Tasks wait here until the node's pipeline starts and binds the
 * threads it owns; from then on they go straight to those threads.
 */
final class DeferredExecutor implements Executor {

    private final ReentrantLock lock = new ReentrantLock();
    private final Queue<Runnable> waiting = new ArrayDeque<>();
    private volatile Executor target;

    @Override
    public void execute(Runnable task) {
        Executor bound = target;
        if (bound == null) {
            lock.lock();
            try {
                bound = target;
                if (bound == null) {
                    waiting.add(task);
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
        bound.execute(task);
    }

    boolean isBound() {
        return target != null;
    }

    void bind(Executor executor) {
        Runnable[] released;
        lock.lock();
        try {
            Checks.state(target == null, "executor already bound");
            target = executor;
            released = waiting.toArray(new Runnable[0]);
            waiting.clear();
        } finally {
            lock.unlock();
        }
        for (Runnable task : released) {
            executor.execute(task);
        }
    }
}
