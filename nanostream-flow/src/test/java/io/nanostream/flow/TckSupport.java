package io.nanostream.flow;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.reactivestreams.tck.TestEnvironment;

/** What the TCK verifications of the core share: their timeouts, and threads for the TCK's own publishers. */
final class TckSupport {

    /** Signals normally arrive within milliseconds; the margin absorbs a busy 2-CPU machine. */
    static final long DEFAULT_TIMEOUT_MILLIS = 1000;
    static final long NO_SIGNALS_TIMEOUT_MILLIS = 100;
    static final long GC_TIMEOUT_MILLIS = 2000;

    private TckSupport() {
    }

    static TestEnvironment environment() {
        return new TestEnvironment(DEFAULT_TIMEOUT_MILLIS, NO_SIGNALS_TIMEOUT_MILLIS);
    }

    static ExecutorService threads() {
        return Executors.newCachedThreadPool();
    }
}
