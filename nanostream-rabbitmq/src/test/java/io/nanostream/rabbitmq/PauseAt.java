package io.nanostream.rabbitmq;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.AbstractStep;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Passes items on unchanged but holds the one numbered {@code at} (from 1) until {@link #resume()}:
 * a moment, whatever this machine's speed, in which a test cuts a connection while the pipeline
 * still has the rest of its work ahead of it.
 */
final class PauseAt<T> extends AbstractStep<T, T> {
    private final int at;
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch resumed = new CountDownLatch(1);
    private int seen;

    PauseAt(int at) {
        this.at = at;
    }

    @Override
    protected void process(T item) throws InterruptedException {
        if (++seen == at) {
            reached.countDown();
            resumed.await();
        }
        emit(item);
    }

    /** Waits until the item numbered {@code at} is held here. */
    void awaitReached(Duration timeout) throws InterruptedException {
        assertTrue(reached.await(timeout.toMillis(), TimeUnit.MILLISECONDS), "item " + at + " never came");
    }

    /** Lets the held item, and all after it, go on. */
    void resume() {
        resumed.countDown();
    }
}
