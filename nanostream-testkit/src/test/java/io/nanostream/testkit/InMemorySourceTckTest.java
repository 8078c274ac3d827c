package io.nanostream.testkit;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import io.nanostream.testkit.tck.SourceVerification;
import java.util.concurrent.Flow;
import java.util.stream.LongStream;

/** Verifies {@link InMemorySource}, lazy and hand-fed, against the Reactive Streams TCK. */
public class InMemorySourceTckTest extends SourceVerification<Long> {

    @Override
    protected AbstractSource<Long> createSource(long elements) {
        if (elements <= 100) {
            InMemorySource<Long> manual = InMemorySource.manual();
            LongStream.range(0, elements).forEach(manual::push);
            return manual.complete();
        }
        return InMemorySource.from(() -> LongStream.range(0, elements).iterator());
    }

    @Override
    public Flow.Publisher<Long> createFailedFlowPublisher() {
        return Standalone.start(InMemorySource.<Long>manual().fail(new IllegalStateException("fails on purpose")));
    }
}
