package io.nanostream.flow;

/**
 * {@link Steps#merge} and {@link Steps#broadcast}: emits every item as it is. Fan-in and fan-out
 * are what any step does with several upstreams or subscribers; this one does nothing else.
 */
final class PassThroughStep<T> extends AbstractStep<T, T> {

    PassThroughStep(String name) {
        super(name, DEFAULT_BUFFER_SIZE);
    }

    @Override
    protected void process(T item) {
        emit(item);
    }

    @Override
    boolean runsInSubscriber() {
        return true;
    }
}
