package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The policies' settings, backoff, counting and logging; their effect on streams is in the testkit. */
class ErrorPolicyTest {

    @Test
    void retryBackoffDoublesUpToItsCap() {
        ErrorPolicy policy = ErrorPolicy.retry(6, Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(500)).jitter(0);

        List<Duration> waits = new ArrayList<>();
        for (int failed = 1; policy.backoff(failed) != null; failed++) {
            waits.add(policy.backoff(failed));
        }

        assertEquals(List.of(100L, 200L, 400L, 500L, 500L), waits.stream().map(Duration::toMillis).toList());
    }

    @Test
    void jitterShortensEachWaitByUpToItsShare() {
        ErrorPolicy policy = ErrorPolicy.retry(2, Duration.ofMillis(1000)).jitter(0.25);

        for (int i = 0; i < 1_000; i++) {
            long wait = policy.backoff(1).toNanos();
            assertTrue(wait > 750_000_000 && wait <= 1_000_000_000, "wait " + wait);
        }
    }

    @Test
    void aHugeNumberOfAttemptsNeverOverflowsTheBackoff() {
        ErrorPolicy policy = ErrorPolicy.retry(Integer.MAX_VALUE, Duration.ofSeconds(1)).jitter(0);

        assertEquals(Duration.ofSeconds(1024), policy.backoff(100));
        assertEquals(Duration.ofSeconds(1024), policy.backoff(Integer.MAX_VALUE - 1));
    }

    @Test
    void settingsAreCheckedWithMessagesThatNameThem() {
        assertEquals("maxAttempts must be positive: 0",
                assertThrows(IllegalArgumentException.class, () -> ErrorPolicy.retry(0, Duration.ofSeconds(1))).getMessage());
        assertEquals("firstBackoff must be positive: PT0S",
                assertThrows(IllegalArgumentException.class, () -> ErrorPolicy.retry(2, Duration.ZERO)).getMessage());
        assertEquals("jitter must be between 0 and 1: 1.5", assertThrows(IllegalArgumentException.class,
                () -> ErrorPolicy.retry(2, Duration.ofSeconds(1)).jitter(1.5)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ErrorPolicy.retry(2, Duration.ofSeconds(1))
                .orElse(ErrorPolicy.retry(2, Duration.ofSeconds(1)))).getMessage().startsWith("fallback must not be a retry"));
        assertEquals("jitter applies to retry policies only, not to skip",
                assertThrows(IllegalStateException.class, () -> ErrorPolicy.skip().jitter(0)).getMessage());
        assertEquals("subscriber must not be null",
                assertThrows(NullPointerException.class, () -> ErrorPolicy.deadLetter(null)).getMessage());
    }

    @Test
    void describesItself() {
        assertEquals("retry(3 attempts, backoff PT1S to PT2S, jitter 0.0) or else skip",
                ErrorPolicy.retry(3, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(2)).jitter(0)
                        .orElse(ErrorPolicy.skip()).toString());
        assertEquals("fail", ErrorPolicy.fail().toString());
    }

    @Test
    void aPolicyIsSetOnceAndBeforeThePipelineIsBuilt() {
        AbstractStep<Integer, Integer> step = Steps.map(x -> x);
        step.withErrorPolicy(ErrorPolicy.skip());

        assertEquals("step 'map' already has error policy skip; set it once",
                assertThrows(IllegalStateException.class, () -> step.withErrorPolicy(ErrorPolicy.fail())).getMessage());

        var source = TestNodes.source(List.of(1));
        AbstractStep<Integer, Integer> built = Steps.map(x -> x);
        source.subscribe(built);
        built.subscribe(new TestNodes.RecordingSink<>());
        Pipeline.from(source);
        assertTrue(assertThrows(IllegalStateException.class, () -> built.withErrorPolicy(ErrorPolicy.skip()))
                .getMessage().endsWith("already belongs to a pipeline; set it before building the pipeline"));
        assertTrue(assertThrows(IllegalStateException.class, () -> built.named("late"))
                .getMessage().endsWith("already belongs to a pipeline; name it before building the pipeline"));
    }

    @Test
    void skippedAndRetriedItemsAreCountedAndLoggedNamingStepAndItem() throws Exception {
        var records = new ArrayList<LogRecord>();
        Handler capture = new Handler() {
            @Override
            public synchronized void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("io.nanostream.flow");
        logger.addHandler(capture);
        try {
            var source = TestNodes.source(List.of("1", "x", "2", "y", "3"));
            AbstractStep<String, Integer> parse = Steps.<String, Integer>map(Integer::parseInt).named("parse")
                    .withErrorPolicy(ErrorPolicy.retry(2, Duration.ofMillis(1)).orElse(ErrorPolicy.skip()));
            var sink = new TestNodes.RecordingSink<Integer>();
            source.subscribe(parse);
            parse.subscribe(sink);

            TestNodes.run(source);

            assertEquals(List.of(1, 2, 3), sink.items);
            assertEquals(2, parse.node.failures.skipped.get());
            assertEquals(2, parse.node.failures.retried.get());
            assertEquals(0, parse.node.failures.deadLettered.get());
        } finally {
            logger.removeHandler(capture);
        }
        List<String> warnings;
        synchronized (capture) {
            warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage).toList();
        }
        assertEquals(2, warnings.size());
        assertTrue(warnings.get(0).startsWith("step 'parse' skipped item \"x\" after 2 attempt(s):"
                + " java.lang.NumberFormatException"), warnings.get(0));
        assertTrue(warnings.get(1).endsWith("(2 skipped so far)"), warnings.get(1));
    }

    @Test
    void theDefaultIsFail() {
        assertNull(ErrorPolicy.fail().backoff(1));
        assertEquals(ErrorPolicy.Kind.FAIL, ErrorPolicy.fail().terminal().kind);
    }
}
