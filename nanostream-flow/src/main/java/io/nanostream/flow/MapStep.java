package io.nanostream.flow;

import java.util.function.Function;

/** {@link Steps#map}: emits what a function returns for each item. */
final class MapStep<I, O> extends AbstractStep<I, O> {

    private final Function<? super I, ? extends O> function;

    MapStep(Function<? super I, ? extends O> function) {
        super("map", DEFAULT_BUFFER_SIZE);
        this.function = Checks.notNull(function, "function");
    }

    @Override
    protected void process(I item) {
        O result = function.apply(item);
        if (result == null) {
            throw new NullPointerException("the function of " + node.label() + " returned null for \""
                    + Checks.describe(item) + "\"; return a value, or drop items with filter or flatMap");
        }
        emit(result);
    }

    @Override
    boolean runsInSubscriber() {
        return true;
    }
}
