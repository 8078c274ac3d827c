package io.nanostream.testkit.tck;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import org.reactivestreams.tck.TestEnvironment;

/** What the verifications share: their timeouts, and a source that fails at once. */
final class Tck {

    /**
     * How long a verification waits for a signal, in milliseconds: signals normally arrive within
     * milliseconds; the margin absorbs a busy machine with two CPUs.
     */
    static final long DEFAULT_TIMEOUT_MILLIS = 1000;
    /** How long a verification waits to be sure that no signal comes, in milliseconds. */
    static final long NO_SIGNALS_TIMEOUT_MILLIS = 100;
    /** How long a verification waits for a cancelled subscriber to be collected, in milliseconds. */
    static final long GC_TIMEOUT_MILLIS = 2000;

    private Tck() {
    }

    static TestEnvironment environment() {
        return new TestEnvironment(DEFAULT_TIMEOUT_MILLIS, NO_SIGNALS_TIMEOUT_MILLIS);
    }

    /** A source, started alone, whose {@code produce} throws at once. */
    static <T> AbstractSource<T> failing() {
        return Standalone.start(new AbstractSource<T>("failing", 16) {
            @Override
            protected void produce() {
                throw new IllegalStateException("fails on purpose, as the TCK asks");
            }
        });
    }
}
