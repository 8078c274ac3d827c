package io.nanostream.testkit;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The lock that guards what a testkit node records, and the waits on it: a test thread waits
 * for a condition with a timeout while pipeline threads update what it records.
 */
final class Monitor {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    <R> R read(Supplier<R> reader) {
        lock.lock();
        try {
            return reader.get();
        } finally {
            lock.unlock();
        }
    }

    void update(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code condition} holds.
     *
     * @param progress describes what arrived so far, for the failure message; called under the lock
     * @throws AssertionError on timeout or interrupt, saying what it waited for and what arrived
     */
    void awaitUntil(BooleanSupplier condition, Duration timeout, String goal, Supplier<String> progress) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                if (remaining <= 0) {
                    throw new AssertionError("timed out after " + timeout + " waiting for " + goal + "; " + progress.get());
                }
                remaining = changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + goal + "; " + progress.get(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Describes a list by its size and its last ten elements. */
    static String describe(java.util.List<?> items, String noun) {
        int n = items.size();
        java.util.List<?> shown = n <= 10 ? items : items.subList(n - 10, n);
        return n + " " + noun + (n == 1 ? "" : "s") + (n > 10 ? ", the last 10: " : ": ") + shown;
    }
}
