package io.nanostream.testkit;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.stream.LongStream;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.annotations.AfterClass;

/** Verifies {@link InMemorySource}, lazy and hand-fed, against the Reactive Streams TCK. */
public class InMemorySourceTckTest extends FlowPublisherVerification<Long> {

    private final ExecutorService threads = Executors.newCachedThreadPool();

    public InMemorySourceTckTest() {
        super(TckSupport.environment(), TckSupport.GC_TIMEOUT_MILLIS);
    }

    @AfterClass
    public void releaseThreads() {
        threads.shutdownNow();
    }

    @Override
    public Flow.Publisher<Long> createFlowPublisher(long elements) {
        if (elements <= 100) {
            InMemorySource<Long> manual = InMemorySource.manual();
            LongStream.range(0, elements).forEach(manual::push);
            return TckSupport.standalone(manual.complete(), threads);
        }
        return TckSupport.standalone(InMemorySource.from(() -> LongStream.range(0, elements).iterator()), threads);
    }

    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        return TckSupport.standalone(InMemorySource.<Long>manual().fail(new IllegalStateException("fails on purpose")),
                threads);
    }
}
