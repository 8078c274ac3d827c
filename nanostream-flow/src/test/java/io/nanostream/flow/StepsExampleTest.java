package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example in the javadoc of {@link Steps}, kept true. */
class StepsExampleTest {

    @Test
    void parseWithDeadLettersThenBatch() throws Exception {
        var source = InMemorySource.of("3", "x", "4", "5");
        var deadLetters = new CollectingSink<DeadLetter>();
        AbstractStep<String, Integer> parse = Steps.<String, Integer>map(Integer::parseInt)
                .named("parse")
                .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters));
        AbstractStep<Integer, List<Integer>> batch = Steps.batch(2, Duration.ofSeconds(1));
        var sink = new CollectingSink<List<Integer>>();
        source.subscribe(parse);
        parse.subscribe(batch);
        batch.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(5));
        }

        assertEquals(List.of(List.of(3, 4), List.of(5)), sink.items());
        assertEquals(List.of("x"), deadLetters.items().stream().map(DeadLetter::item).toList());
        assertEquals("java.lang.NumberFormatException", deadLetters.items().get(0).errorClass());
    }
}
