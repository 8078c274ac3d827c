package io.nanostream.nats;

import io.nanostream.flow.AbstractSink;
import io.nanostream.testkit.tck.SinkVerification;
import java.nio.charset.StandardCharsets;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;

/** Verifies {@link NatsSink} against the Reactive Streams TCK, black-box, every sink publishing to one stream. */
public class NatsSinkTckTest extends SinkVerification<Integer> {

    private Jet jet;
    private String stream;

    @BeforeClass
    public void connect() throws Exception {
        jet = Jet.connectForTck();
        stream = jet.stream("tck-out");
    }

    @AfterClass
    public void close() throws Exception {
        if (jet != null) {
            jet.close();
        }
    }

    @Override
    protected AbstractSink<Integer> createSink() {
        return NatsSink.builder(Jet.options())
                .toSubject(stream + ".out", (Integer i) -> String.valueOf(i).getBytes(StandardCharsets.UTF_8))
                .build();
    }

    @Override
    public Integer createElement(int element) {
        return element;
    }
}
