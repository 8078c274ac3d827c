package io.nanostream.flow;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/** Verifies an {@link AbstractSource} against the Reactive Streams TCK. */
public class AbstractSourceTckTest extends FlowPublisherVerification<Long> {

    private final ExecutorService threads = TckSupport.threads();

    public AbstractSourceTckTest() {
        super(TckSupport.environment(), TckSupport.GC_TIMEOUT_MILLIS);
    }

    @AfterClass
    public void releaseThreads() {
        threads.shutdownNow();
    }

    @Override
    public Flow.Publisher<Long> createFlowPublisher(long elements) {
        return TckSupport.standalone(new AbstractSource<Long>("counting", 16) {
            @Override
            protected void produce() {
                for (long i = 0; i < elements && !isStopping(); i++) {
                    emit(i);
                }
            }
        }, threads);
    }

    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        return TckSupport.standalone(new AbstractSource<Long>("failing", 16) {
            @Override
            protected void produce() {
                throw new IllegalStateException("fails on purpose");
            }
        }, threads);
    }
}
