package io.nanostream.flow;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.IdentityFlowProcessorVerification;
import org.testng.annotations.AfterClass;

/** Verifies an identity {@link AbstractStep} against the Reactive Streams TCK. */
public class AbstractStepTckTest extends IdentityFlowProcessorVerification<Integer> {

    private final ExecutorService threads = TckSupport.threads();

    public AbstractStepTckTest() {
        super(TckSupport.environment(), TckSupport.GC_TIMEOUT_MILLIS);
    }

    @AfterClass
    public void releaseThreads() {
        threads.shutdownNow();
    }

    @Override
    public Flow.Processor<Integer, Integer> createIdentityFlowProcessor(int bufferSize) {
        return TckSupport.standalone(TestNodes.<Integer>identity(bufferSize), threads);
    }

    @Override
    public Flow.Publisher<Integer> createFailedFlowPublisher() {
        return TckSupport.standalone(new AbstractSource<Integer>("failing", 16) {
            @Override
            protected void produce() {
                throw new IllegalStateException("fails on purpose");
            }
        }, threads);
    }

    @Override
    public ExecutorService publisherExecutorService() {
        return threads;
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }

    @Override
    public long maxSupportedSubscribers() {
        return Long.MAX_VALUE;
    }
}
