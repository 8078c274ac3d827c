package io.nanostream.examples;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.AbstractStep;
import io.nanostream.flow.Pipeline;
import io.nanostream.flow.Steps;
import io.nanostream.flow.Window;
import io.nanostream.flow.Windowed;
import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import io.nanostream.testkit.VirtualTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.stream.Collectors;

/**
 * How to test a pipeline with the testkit: build it from its sources and sinks, feed it from an
 * {@link InMemorySource}, collect with a {@link CollectingSink}, run a minute in milliseconds with
 * {@link VirtualTime}, and check that each reading was acknowledged (delivered to every sink)
 * only once its alert was out. {@code TestingAPipelineTest} is the same recipe as a JUnit test;
 * this {@code main} walks through it and prints what happens.
 *
 * <p>The pipeline under test averages each sensor's readings per minute and raises an alert when
 * the average is above 80 degrees.
 */
public final class TestingAPipeline {

    /** A temperature reading of a sensor. */
    record Reading(String sensor, double degrees) {
    }

    /** A sensor too hot for a whole minute. */
    record Alert(String sensor, double averageDegrees) {
    }

    private TestingAPipeline() {
    }

    /**
     * The code under test: wires the alert pipeline between a source and a sink, and returns it,
     * not started. Production code passes a source of its own and a real sink; a test passes
     * in-memory ones.
     *
     * @param readings where readings come from
     * @param alerts where alerts go
     * @return the pipeline
     */
    static Pipeline alerts(AbstractSource<Reading> readings, Flow.Subscriber<Alert> alerts) {
        AbstractStep<Reading, Windowed<String, Double>> perMinute = Steps.window(Reading::sensor,
                Window.ofTime(Duration.ofMinutes(1)), Collectors.averagingDouble(Reading::degrees));
        AbstractStep<Windowed<String, Double>, Alert> tooHot = Steps.flatMap(window -> window.value() > 80
                ? List.of(new Alert(window.key(), window.value())) : List.of());
        readings.subscribe(perMinute);
        perMinute.subscribe(tooHot);
        tooHot.subscribe(alerts);
        return Pipeline.from(readings);
    }

    /**
     * Walks through the recipe, printing each step's result.
     *
     * @param args ignored
     * @throws Exception if the pipeline fails
     */
    public static void main(String[] args) throws Exception {
        var readings = InMemorySource.<Reading>manual();              // 1. a source the test pushes into
        var alerts = new CollectingSink<Alert>();                      // 2. a sink that keeps what it gets
        try (Pipeline pipeline = alerts(readings, alerts)) {
            var time = VirtualTime.of(pipeline);                       // 3. virtual time, before start
            pipeline.start();

            readings.push(new Reading("boiler", 85)).push(new Reading("boiler", 90)).push(new Reading("fridge", 4));
            time.advance(Duration.ofSeconds(59));                      // 4. let it settle, move the clock
            System.out.println("after 59 s: alerts " + alerts.items() + ", acknowledged " + readings.acknowledged().size());

            time.advance(Duration.ofSeconds(1));                       // the minute is over: the windows close
            System.out.println("after 60 s: alerts " + alerts.items() + ", acknowledged " + readings.acknowledged().size());

            readings.complete();                                       // 5. end the input; check delivery
            pipeline.await(Duration.ofSeconds(10));
            System.out.println("all acknowledged: " + readings.awaitAllAcknowledged(Duration.ofSeconds(10)).size());
        }
    }
}
