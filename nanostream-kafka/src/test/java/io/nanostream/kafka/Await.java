package io.nanostream.kafka;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for what a mock client cannot signal: it records calls, and answers them on demand. */
final class Await {

    private Await() {
    }

    /** Waits until {@code condition} holds, checking every millisecond; fails saying {@code what} on timeout. */
    static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
