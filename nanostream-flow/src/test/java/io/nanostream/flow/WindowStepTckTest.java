package io.nanostream.flow;

import java.util.stream.Collectors;

/** Verifies {@link Steps#window} against the Reactive Streams TCK, as windows of one item. */
public class WindowStepTckTest extends StepOutputVerification<Windowed<Long, Long>> {

    @Override
    AbstractStep<Long, Windowed<Long, Long>> oneToOneStep() {
        return Steps.window(item -> item % 7, Window.ofCount(1), Collectors.counting());
    }
}
