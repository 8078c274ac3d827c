package io.nanostream.testkit;

import io.nanostream.flow.internal.Standalone;
import java.util.concurrent.ExecutorService;
import org.reactivestreams.tck.TestEnvironment;

/** What the TCK verifications of the testkit share: timeouts, and running a node by hand. */
final class TckSupport {

    static final long GC_TIMEOUT_MILLIS = 2000;

    private TckSupport() {
    }

    /** Signals normally arrive within milliseconds; the margin absorbs a busy 2-CPU machine. */
    static TestEnvironment environment() {
        return new TestEnvironment(1000, 100);
    }

    static <T> T standalone(T node, ExecutorService threads) {
        Standalone.run(node, threads);
        return node;
    }
}
