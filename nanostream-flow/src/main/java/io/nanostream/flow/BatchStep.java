package io.nanostream.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Steps#batch}: gathers items into lists of at most {@code maxSize}, emitted when full,
 * when {@code maxWait} has passed since the first item of the list, or at the end of input.
 */
final class BatchStep<T> extends AbstractStep<T, List<T>> {

    private final int maxSize;
    private final Duration maxWait;
    private final List<T> batch = new ArrayList<>();
    private final List<Held> inputs = new ArrayList<>();
    /** Counts batches, so that a timer of a batch already emitted does nothing. */
    private long batchNumber;
    private Scheduler.Task timer;

    BatchStep(int maxSize, Duration maxWait) {
        super("batch", DEFAULT_BUFFER_SIZE);
        this.maxSize = Checks.positive(maxSize, "maxSize");
        this.maxWait = Checks.positive(maxWait, "maxWait");
    }

    @Override
    protected void process(T item) {
        if (batch.isEmpty()) {
            long number = ++batchNumber;
            timer = schedule(maxWait, () -> {
                if (number == batchNumber) {
                    flush();
                }
            });
        }
        batch.add(item);
        inputs.add(holdInput());
        if (batch.size() == maxSize) {
            flush();
        }
    }

    @Override
    protected void onEndOfInput() {
        flush();
    }

    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        timer.cancel();
        batchNumber++;
        emit(List.copyOf(batch), inputs);
        inputs.forEach(Held::release);
        batch.clear();
        inputs.clear();
    }
}
