package io.nanostream.flow;

import java.util.function.Function;

/** {@link Steps#flatMap}: emits every element of what a function returns for each item. */
final class FlatMapStep<I, O> extends AbstractStep<I, O> {

    private final Function<? super I, ? extends Iterable<? extends O>> function;

    FlatMapStep(Function<? super I, ? extends Iterable<? extends O>> function) {
        super("flatMap", DEFAULT_BUFFER_SIZE);
        this.function = Checks.notNull(function, "function");
    }

    @Override
    protected void process(I item) {
        Iterable<? extends O> results = function.apply(item);
        if (results == null) {
            throw new NullPointerException("the function of " + node.label() + " returned null for \""
                    + Checks.describe(item) + "\"; return an empty collection to drop an item");
        }
        for (O result : results) {
            emit(result);
        }
    }

    @Override
    boolean runsInSubscriber() {
        return true;
    }
}
