package io.nanostream.testkit;

import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;

/**
 * Verifies {@link CollectingSink} against the Reactive Streams TCK, black-box: it is final and
 * uses its hooks itself, so no probe can be attached. {@code AbstractSink}, which it extends, is
 * verified white-box in nanostream-flow.
 */
public class CollectingSinkTckTest extends FlowSubscriberBlackboxVerification<Integer> {

    public CollectingSinkTckTest() {
        super(TckSupport.environment());
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber() {
        return new CollectingSink<>();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
