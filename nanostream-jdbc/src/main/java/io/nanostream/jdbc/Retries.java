package io.nanostream.jdbc;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a database call is tried on a lost connection or a transient failure, and the pause
 * after each failure: {@code firstBackoff}, doubled each time up to 5 seconds (or to
 * {@code firstBackoff} itself, if longer).
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
        Duration cap = firstBackoff.compareTo(MAX_BACKOFF) > 0 ? firstBackoff : MAX_BACKOFF;
        Duration pause = firstBackoff;
        for (int doubled = 1; doubled < attempt && !pause.isZero() && pause.compareTo(cap) < 0; doubled++) {
            pause = pause.multipliedBy(2);
        }
        return pause.compareTo(cap) > 0 ? cap : pause;
    }

    @Override
    public String toString() {
        return maxAttempts + " attempts, first backoff " + firstBackoff;
    }
}
