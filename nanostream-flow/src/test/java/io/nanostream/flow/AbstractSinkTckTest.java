package io.nanostream.flow;

import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowSubscriberWhiteboxVerification;

/**
 * Verifies an {@link AbstractSink} against the Reactive Streams TCK, white-box: the probe sees
 * each signal through the sink's own hooks, and the puppet drives the subscription the sink holds.
 */
public class AbstractSinkTckTest extends FlowSubscriberWhiteboxVerification<Integer> {

    public AbstractSinkTckTest() {
        super(TckSupport.environment());
    }

    @Override
    public Flow.Subscriber<Integer> createFlowSubscriber(WhiteboxSubscriberProbe<Integer> probe) {
        return new ProbedSink(probe);
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }

    /** A sink that reports each signal to the TCK's probe from the hook that handles it. */
    static final class ProbedSink extends AbstractSink<Integer> {
        private final WhiteboxSubscriberProbe<Integer> probe;

        ProbedSink(WhiteboxSubscriberProbe<Integer> probe) {
            super("probed", 1);
            this.probe = probe;
        }

        @Override
        protected void onStart() {
            Flow.Subscription subscription = inletSubscription(this);
            probe.registerOnSubscribe(new SubscriberPuppet() {
                @Override
                public void triggerRequest(long elements) {
                    subscription.request(elements);
                }

                @Override
                public void signalCancel() {
                    subscription.cancel();
                }
            });
        }

        @Override
        protected void consume(Integer item) {
            probe.registerOnNext(item);
        }

        @Override
        protected void onEndOfInput() {
            probe.registerOnComplete();
        }

        @Override
        protected void onFailure(Throwable error) {
            probe.registerOnError(error);
        }
    }

    private static Flow.Subscription inletSubscription(AbstractSink<?> sink) {
        return sink.node.inlet().firstSubscription();
    }
}
