package io.nanostream.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.flow.Pipeline;
import io.nanostream.flow.PipelineException;
import io.nanostream.testkit.InMemorySource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link NatsSink} against the NATS server on this machine. */
class NatsSinkTest extends NatsTestBase {

    @Test
    void publishesEachItemInOrderAndAcknowledgesItsInputOnceStored() throws Exception {
        String stream = jet.stream("out");
        List<String> bodies = Jet.bodies("m", 3_000);
        InMemorySource<String> source = InMemorySource.from(bodies);
        source.subscribe(NatsSink.builder(Jet.options())
                .toSubject(stream + ".out", (String body) -> body.getBytes(StandardCharsets.UTF_8))
                .maxInFlight(100)
                .build());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
        assertEquals(bodies, source.awaitAllAcknowledged(TIMEOUT));
        assertEquals(bodies, jet.read(stream));
    }

    @Test
    void withMessageIdsItemsPublishedAgainAreStoredOnce() throws Exception {
        String stream = jet.stream("out");
        List<String> bodies = Jet.bodies("m", 500);
        for (int run = 0; run < 2; run++) { // the second run: a replay of the first
            InMemorySource<String> source = InMemorySource.from(bodies);
            source.subscribe(NatsSink.builder(Jet.options())
                    .toSubject(stream + ".out", (String body) -> body.getBytes(StandardCharsets.UTF_8))
                    .messageId(body -> body)
                    .build());
            try (Pipeline pipeline = Pipeline.from(source)) {
                pipeline.start();
                pipeline.await(TIMEOUT);
            }
            assertEquals(bodies, source.awaitAllAcknowledged(TIMEOUT), "acknowledged, stored or not");
        }
        assertEquals(bodies, jet.read(stream));
    }

    @Test
    void aSubjectNoStreamTakesFailsThePipelineNamingIt() {
        InMemorySource<String> source = InMemorySource.of("a");
        source.subscribe(NatsSink.builder(Jet.options())
                .toSubject("no.stream.here", (String body) -> body.getBytes(StandardCharsets.UTF_8))
                .build());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            PipelineException failure = assertThrows(PipelineException.class, () -> pipeline.await(TIMEOUT));
            assertTrue(failure.getMessage().contains("'no.stream.here'"), failure.getMessage());
        }
        assertEquals(List.of(), source.acknowledged(), "nothing acknowledged");
    }
}
