package io.nanostream.flow;

import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowPublisherVerification;

/** Verifies an {@link AbstractSource} against the Reactive Streams TCK. */
public class AbstractSourceTckTest extends FlowPublisherVerification<Long> {

    public AbstractSourceTckTest() {
        super(TckSupport.environment(), TckSupport.GC_TIMEOUT_MILLIS);
    }

    @Override
    public Flow.Publisher<Long> createFlowPublisher(long elements) {
        return Standalone.start(new AbstractSource<Long>("counting", 16) {
            @Override
            protected void produce() {
                for (long i = 0; i < elements && !isStopping(); i++) {
                    emit(i);
                }
            }
        });
    }

    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        return Standalone.start(new AbstractSource<Long>("failing", 16) {
            @Override
            protected void produce() {
                throw new IllegalStateException("fails on purpose");
            }
        });
    }
}
