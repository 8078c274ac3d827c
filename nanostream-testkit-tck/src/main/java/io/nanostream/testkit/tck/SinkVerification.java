package io.nanostream.testkit.tck;

import io.nanostream.flow.AbstractSink;
import java.util.concurrent.Flow;
import org.reactivestreams.tck.flow.FlowSubscriberBlackboxVerification;

/**
 * The Reactive Streams TCK's black-box subscriber verification for your own
 * {@link AbstractSink}: each rule gets a new sink and drives it from a publisher of its own.
 *
 * <pre>{@code
 * public class AuditSinkTckTest extends SinkVerification<String> {
 *     @Override
 *     protected AbstractSink<String> createSink() {
 *         return new AuditSink(auditLog);         // writes each item it takes
 *     }
 *
 *     @Override
 *     public String createElement(int element) {
 *         return "event " + element;
 *     }
 * }
 * }</pre>
 *
 * @param <T> the type of items the sink takes
 */
public abstract class SinkVerification<T> extends FlowSubscriberBlackboxVerification<T> {

    /** A verification with timeouts that fit a busy machine with two CPUs. */
    protected SinkVerification() {
        super(Tck.environment());
    }

    /**
     * Makes a new sink that takes any number of items.
     *
     * @return the sink
     */
    protected abstract AbstractSink<T> createSink();

    @Override
    public final Flow.Subscriber<T> createFlowSubscriber() {
        return createSink();
    }
}
