package io.nanostream.flow;

import static io.nanostream.flow.TestNodes.source;
import static io.nanostream.flow.TestNodes.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nanostream.flow.TestNodes.RecordingSink;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AbstractSinkTest {

    @Test
    void consumesEveryItemBetweenStartAndEnd() throws Exception {
        var source = source(List.of("a", "b"));
        var sink = new RecordingSink<String>();
        source.subscribe(sink);

        run(source);

        assertEquals(List.of("a", "b"), sink.items);
        assertEquals(List.of("start", "end"), sink.events);
    }

    @Test
    void throwingConsumeFailsThePipelineNamingSinkAndItem() throws Exception {
        var source = source(List.of("ok", "a very long item whose text goes on and on well past sixty characters", "x"));
        var sink = new RecordingSink<String>() {
            @Override
            protected void consume(String item) {
                if (item.length() > 2) {
                    throw new IllegalArgumentException("too long");
                }
                super.consume(item);
            }
        };
        source.subscribe(sink);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertEquals("sink 'RecordingSink' failed on item \"a very long item whose text goes on and on well past sixt...\":"
                + " java.lang.IllegalArgumentException: too long. Fix the cause, or give it an ErrorPolicy (skip, retry, dead-letter) to go on.",
                failure.getMessage());
        assertEquals(List.of("ok"), sink.items);
        assertEquals(List.of("start", "failure"), sink.events);
        assertSame(failure, sink.ended.get(1, TimeUnit.SECONDS));
    }

    @Test
    void aPipelineFailureFailsThePipelineWhateverTheErrorPolicy() throws Exception {
        var source = source(List.of("ok", "unreachable", "x"));
        var sink = new RecordingSink<String>() {
            @Override
            protected void consume(String item) {
                if (item.equals("unreachable")) {
                    throw pipelineFailure(new IllegalStateException("the database is gone"));
                }
                super.consume(item);
            }
        };
        sink.withErrorPolicy(ErrorPolicy.skip());
        source.subscribe(sink);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertEquals("sink 'RecordingSink' failed: java.lang.IllegalStateException: the database is gone", failure.getMessage());
        assertEquals("RecordingSink", failure.nodeName());
        assertEquals(List.of("ok"), sink.items);
        assertEquals(List.of("start", "failure"), sink.events);
    }

    @Test
    void throwingOnStartFailsBeforeAnyItem() {
        var source = source(List.of(1, 2));
        var sink = new RecordingSink<Integer>() {
            @Override
            protected void onStart() {
                throw new IllegalStateException("no connection");
            }
        };
        source.subscribe(sink);

        var failure = assertThrows(PipelineException.class, () -> run(source));

        assertEquals("sink 'RecordingSink' failed: java.lang.IllegalStateException: no connection", failure.getMessage());
        assertEquals(List.of(), sink.items);
    }

    @Test
    void rejectsNonPositiveBufferSize() {
        var error = assertThrows(IllegalArgumentException.class, () -> new AbstractSink<String>("s", -1) {
            @Override
            protected void consume(String item) {
            }
        });
        assertEquals("bufferSize must be positive: -1", error.getMessage());
    }
}
