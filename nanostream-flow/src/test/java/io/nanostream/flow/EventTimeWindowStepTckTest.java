package io.nanostream.flow;

import java.time.Duration;
import java.util.stream.Collectors;

/**
 * Verifies {@link Steps#window(java.util.function.Function, EventTime, Window, java.util.stream.Collector)}
 * against the Reactive Streams TCK: item n happens in second n, so each second's window holds one
 * item and is emitted when the next arrives, the last at the end of input.
 */
public class EventTimeWindowStepTckTest extends StepOutputVerification<Windowed<Long, Long>> {

    @Override
    AbstractStep<Long, Windowed<Long, Long>> oneToOneStep() {
        return Steps.window(item -> item % 7, EventTime.of((Long item) -> item * 1_000),
                Window.ofTime(Duration.ofSeconds(1)), Collectors.counting());
    }
}
