package io.nanostream.flow;

import java.time.Duration;
import java.util.List;

/** Verifies {@link Steps#batch} against the Reactive Streams TCK, as batches of one. */
public class BatchStepTckTest extends StepOutputVerification<List<Long>> {

    @Override
    AbstractStep<Long, List<Long>> oneToOneStep() {
        return Steps.batch(1, Duration.ofHours(1));
    }
}
