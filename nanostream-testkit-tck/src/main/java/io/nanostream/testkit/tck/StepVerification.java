package io.nanostream.testkit.tck;

import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Standalone;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.IdentityFlowProcessorVerification;
import org.testng.annotations.AfterClass;

/**
 * The Reactive Streams TCK's identity-processor verification for your own {@link AbstractStep}:
 * each rule gets a new step, run {@linkplain Standalone alone}, that must emit every item it takes,
 * unchanged and in order. A step that changes its items passes when given parameters that make it
 * an identity, as nanostream's own steps do ({@code Steps.map(x -> x)}).
 *
 * <pre>{@code
 * public class TrimStepTckTest extends StepVerification<String> {
 *     @Override
 *     protected AbstractStep<String, String> createStep(int bufferSize) {
 *         return new TrimStep(bufferSize);        // "a" stays "a"
 *     }
 *
 *     @Override
 *     public String createElement(int element) {
 *         return String.valueOf(element);
 *     }
 * }
 * }</pre>
 *
 * <p>The step may have as many subscribers as the TCK asks for, and each sees every item from
 * the first request on; the publishers the TCK feeds it from run on threads this verification
 * releases after its last rule.
 *
 * @param <T> the type of items
 */
public abstract class StepVerification<T> extends IdentityFlowProcessorVerification<T> {

    private final ExecutorService publisherThreads = Executors.newCachedThreadPool();

    /** A verification with timeouts that fit a busy machine with two CPUs. */
    protected StepVerification() {
        super(Tck.environment(), Tck.GC_TIMEOUT_MILLIS);
    }

    /**
     * Makes a new step, not started, that emits each item it takes as it came.
     *
     * @param bufferSize the buffer the rule wants, at least 1; a step may keep a larger one
     * @return the step
     */
    protected abstract AbstractStep<T, T> createStep(int bufferSize);

    @Override
    public final Flow.Processor<T, T> createIdentityFlowProcessor(int bufferSize) {
        return Standalone.start(createStep(bufferSize));
    }

    @Override
    public Flow.Publisher<T> createFailedFlowPublisher() {
        return Tck.failing();
    }

    @Override
    public final ExecutorService publisherExecutorService() {
        return publisherThreads;
    }

    @Override
    public long maxSupportedSubscribers() {
        return Long.MAX_VALUE;
    }

    /** Ends the threads of the publishers the TCK made, after the last rule. */
    @AfterClass
    public void releasePublisherThreads() {
        publisherThreads.shutdownNow();
    }
}
