package io.nanostream.testkit.tck;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowPublisherVerification;

/**
 * The Reactive Streams TCK's publisher verification for your own {@link AbstractSource}: each
 * rule gets a new source, run {@linkplain Standalone alone}, that must emit exactly the number of
 * items the rule asks for and then complete.
 *
 * <pre>{@code
 * public class CountingSourceTckTest extends SourceVerification<Long> {
 *     @Override
 *     protected AbstractSource<Long> createSource(long elements) {
 *         return new CountingSource(elements);    // emits 0 .. elements - 1, then returns
 *     }
 * }
 * }</pre>
 *
 * <p>A failing publisher, for the rules about {@code onError}, is a source whose {@code produce}
 * throws at once; override {@link #createFailedFlowPublisher()} to fail your own way, such as a
 * source whose connection cannot be made.
 *
 * @param <T> the type of items the source emits
 */
public abstract class SourceVerification<T> extends FlowPublisherVerification<T> {

    /** A verification with timeouts that fit a busy machine with two CPUs. */
    protected SourceVerification() {
        super(Tck.environment(), Tck.GC_TIMEOUT_MILLIS);
    }

    /**
     * Makes a new source, not started, that emits {@code elements} items and then completes.
     *
     * @param elements how many items to emit; up to {@link #maxElementsFromPublisher()}
     * @return the source
     */
    protected abstract AbstractSource<T> createSource(long elements);

    /**
     * Makes a new source with {@link #createSource} and starts it alone. Override it to feed the
     * source's input once it runs, such as a test broker that waits for its consumer's first poll.
     *
     * @param elements how many items the source is to emit
     * @return the source, started
     */
    @Override
    public Flow.Publisher<T> createFlowPublisher(long elements) {
        return Standalone.start(createSource(elements));
    }

    @Override
    public Flow.Publisher<T> createFailedFlowPublisher() {
        return Tck.failing();
    }
}
