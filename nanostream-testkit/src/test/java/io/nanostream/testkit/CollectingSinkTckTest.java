package io.nanostream.testkit;

import io.nanostream.flow.AbstractSink;
import io.nanostream.testkit.tck.SinkVerification;

/**
 * Verifies {@link CollectingSink} against the Reactive Streams TCK, black-box: it is final and
 * uses its hooks itself, so no probe can be attached. {@code AbstractSink}, which it extends, is
 * verified white-box in nanostream-flow.
 */
public class CollectingSinkTckTest extends SinkVerification<Integer> {

    @Override
    protected AbstractSink<Integer> createSink() {
        return new CollectingSink<>();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
