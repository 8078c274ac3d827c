package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#filter} against the Reactive Streams TCK, as filter(x -> true). */
public class FilterStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.filter(x -> true);
    }
}
