package io.nanostream.nats;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.Standalone;
import io.nanostream.testkit.tck.SourceVerification;
import java.io.IOException;
import java.util.concurrent.Flow;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/**
 * Verifies {@link NatsSource} against the Reactive Streams TCK, each source reading a stream of
 * its own that holds as many messages as the TCK asks for, with {@code maxMessages} so that it
 * completes after them.
 */
public class NatsSourceTckTest extends SourceVerification<NatsMessage> {

    private Jet jet;

    @BeforeClass
    public void connect() throws Exception {
        jet = Jet.connectForTck();
    }

    @AfterClass
    public void close() throws Exception {
        if (jet != null) {
            jet.close();
        }
    }

    @Override
    protected AbstractSource<NatsMessage> createSource(long elements) {
        try {
            String stream = jet.stream("tck");
            jet.publish(stream, Jet.bodies("m", (int) elements));
            return NatsSource.builder(Jet.options()).stream(stream).durable("tck").maxMessages(elements).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Flow.Publisher<NatsMessage> createFailedFlowPublisher() {
        return Standalone.start(NatsSource.builder(Jet.options()).stream("tck").durable("tck")
                .connector(options -> {
                    throw new IOException("no server, on purpose");
                })
                .build());
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1_024; // the messages are published up front; the TCK skips what needs more
    }
}
