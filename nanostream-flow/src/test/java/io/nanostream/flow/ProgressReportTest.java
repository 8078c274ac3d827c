package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** {@link Pipeline#reportProgress} on virtual time: a line per interval, rates from the counters. */
class ProgressReportTest {

    @Test
    void reportsRatesPerNodeEveryIntervalAndALastLineAtTheEnd() throws Exception {
        var source = InMemorySource.<String>manual("orders", 256);
        AbstractStep<String, Integer> parse = Steps.<String, Integer>map(Integer::parseInt).named("parse");
        parse.withErrorPolicy(ErrorPolicy.skip());
        var sink = new CollectingSink<Integer>();
        sink.named("sink");
        source.subscribe(parse);
        parse.subscribe(sink);
        List<String> lines = new CopyOnWriteArrayList<>();

        try (Pipeline pipeline = Pipeline.from(source)) {
            var time = VirtualTime.of(pipeline);
            pipeline.reportProgress(Duration.ofSeconds(2), lines::add);
            pipeline.start();
            for (int i = 0; i < 10; i++) {
                source.push(String.valueOf(i));
            }
            source.push("x");
            time.advance(Duration.ofSeconds(2));
            assertEquals(List.of("orders 2s RUNNING | orders 6/s | parse 6/s->5/s errors 1 skipped 1 | sink 5/s"), lines);

            for (int i = 0; i < 4; i++) {
                source.push(String.valueOf(i));
            }
            time.advance(Duration.ofSeconds(2));
            source.complete();
            pipeline.await(Duration.ofSeconds(10));
        }

        assertEquals(List.of("orders 2s RUNNING | orders 6/s | parse 6/s->5/s errors 1 skipped 1 | sink 5/s",
                "orders 4s RUNNING | orders 2/s | parse 2/s errors 1 skipped 1 | sink 2/s",
                "orders 4s COMPLETED | orders 0/s | parse 0/s errors 1 skipped 1 | sink 0/s"), lines);
    }

    @Test
    void anEndedPipelineHasNoProgressToReport() throws Exception {
        var source = InMemorySource.of(1);
        source.subscribe(new CollectingSink<>());
        try (Pipeline pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(10));

            var error = assertThrows(IllegalStateException.class, () -> pipeline.reportProgress(Duration.ofSeconds(1), line -> { }));
            assertEquals("pipeline 'InMemorySource' has ended; report progress while it runs", error.getMessage());
        }
    }
}
