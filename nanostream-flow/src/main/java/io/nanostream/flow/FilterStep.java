package io.nanostream.flow;

import java.util.function.Predicate;

/** {@link Steps#filter}: emits the items a predicate accepts. */
final class FilterStep<T> extends AbstractStep<T, T> {

    private final Predicate<? super T> predicate;

    FilterStep(Predicate<? super T> predicate) {
        super("filter", DEFAULT_BUFFER_SIZE);
        this.predicate = Checks.notNull(predicate, "predicate");
    }

    @Override
    protected void process(T item) {
        if (predicate.test(item)) {
            emit(item);
        }
    }

    @Override
    boolean runsInSubscriber() {
        return true;
    }
}
