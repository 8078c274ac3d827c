package io.nanostream.jdbc;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a database call is tried on a lost connection or a transient failure, and the pause
 * after each failure: {@code firstBackoff}, doubled each time, at most 5 seconds.
 */
record Retries(int maxAttempts, Duration firstBackoff) {

    /** Ten attempts, the first pause 100 ms. */
    static final Retries DEFAULT = new Retries(10, Duration.ofMillis(100));
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    Retries {
        if (maxAttempts <= 0) {
            throw new IllegalArgumentException("maxAttempts must be positive: " + maxAttempts);
        }
        Objects.requireNonNull(firstBackoff, "firstBackoff must not be null");
        if (firstBackoff.isNegative()) {
            throw new IllegalArgumentException("firstBackoff must not be negative: " + firstBackoff);
        }
    }

    /** The pause after the {@code attempt}-th failure. */
    Duration pauseAfter(int attempt) {
        return Duration.ofNanos(Math.min(firstBackoff.toNanos() << Math.min(attempt - 1, 30), MAX_BACKOFF.toNanos()));
    }

    @Override
    public String toString() {
        return maxAttempts + " attempts, first backoff " + firstBackoff;
    }
}
