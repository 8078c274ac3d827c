package io.nanostream.flow;

import java.util.List;
import java.util.function.Function;

/** Steps from lambdas, for the steps' behaviour tests. */
final class TestSteps {

    private TestSteps() {
    }

    static <I, O> AbstractStep<I, O> flatMapOf(String name, Function<I, List<O>> fn) {
        return new AbstractStep<>(name, 8) {
            @Override
            protected void process(I item) {
                fn.apply(item).forEach(this::emit);
            }
        };
    }
}
