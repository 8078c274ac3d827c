package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nanostream.examples.TestingAPipeline.Alert;
import io.nanostream.examples.TestingAPipeline.Reading;
import io.nanostream.flow.Pipeline;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The testkit recipe of {@link TestingAPipeline}, as a test: virtual time and delivery checks. */
class TestingAPipelineTest {

    @Test
    void alertsOnceAMinuteOfReadingsAveragesAboveEightyAndAcknowledgesEachReadingAfterward() throws Exception {
        var readings = InMemorySource.<Reading>manual();
        var alerts = new CollectingSink<Alert>();
        // a reading is acknowledged only once what came from it is done: here, after its window closed
        readings.onAcknowledged(reading -> assertTrue(alerts.isCompleted() || !alerts.items().isEmpty()
                || reading.sensor().equals("fridge"), "acknowledged before its window closed: " + reading));
        try (Pipeline pipeline = TestingAPipeline.alerts(readings, alerts)) {
            var time = VirtualTime.of(pipeline);
            pipeline.start();

            readings.push(new Reading("boiler", 85)).push(new Reading("boiler", 90)).push(new Reading("fridge", 4));
            time.advance(Duration.ofSeconds(59));
            assertEquals(List.of(), alerts.items());
            assertEquals(List.of(), readings.acknowledged(), "held by the open windows");

            time.advance(Duration.ofSeconds(1));
            assertEquals(List.of(new Alert("boiler", 87.5)), alerts.items());
            assertEquals(3, readings.acknowledged().size());

            readings.complete();
            pipeline.await(Duration.ofSeconds(10));
        }
        assertEquals(3, readings.awaitAllAcknowledged(Duration.ofSeconds(10)).size());
    }

    @Test
    void theWalkThroughPrintsWhatTheTestChecks() throws Exception {
        var console = new java.io.ByteArrayOutputStream();
        var standardOut = System.out;
        System.setOut(new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            TestingAPipeline.main(new String[0]);
        } finally {
            System.setOut(standardOut);
        }

        assertEquals(List.of("after 59 s: alerts [], acknowledged 0",
                "after 60 s: alerts [Alert[sensor=boiler, averageDegrees=87.5]], acknowledged 3",
                "all acknowledged: 3"), console.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList());
    }
}
