package io.nanostream.flow;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.IdentityFlowProcessorVerification;
import org.testng.annotations.AfterClass;

/**
 * The TCK's identity-processor verification for a step: each {@code XxxStepTckTest} names the
 * step, a built-in one made an identity by its parameters.
 */
abstract class IdentityStepVerification extends IdentityFlowProcessorVerification<Integer> {

    private final ExecutorService threads = TckSupport.threads();

    IdentityStepVerification() {
        super(TckSupport.environment(), TckSupport.GC_TIMEOUT_MILLIS);
    }

    /**
     * A new step that emits each item as it came.
     *
     * @param bufferSize the buffer the TCK asks for; built-in steps keep their default
     */
    abstract Flow.Processor<Integer, Integer> identityStep(int bufferSize);

    /** Starts the given step alone, as a plain processor. */
    void start(Flow.Processor<Integer, Integer> step) {
        Standalone.start(step);
    }

    @AfterClass
    public void releaseThreads() {
        threads.shutdownNow();
    }

    @Override
    public Flow.Processor<Integer, Integer> createIdentityFlowProcessor(int bufferSize) {
        Flow.Processor<Integer, Integer> step = identityStep(bufferSize);
        start(step);
        return step;
    }

    @Override
    public Flow.Publisher<Integer> createFailedFlowPublisher() {
        return Standalone.start(new AbstractSource<Integer>("failing", 16) {
            @Override
            protected void produce() {
                throw new IllegalStateException("fails on purpose");
            }
        });
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
