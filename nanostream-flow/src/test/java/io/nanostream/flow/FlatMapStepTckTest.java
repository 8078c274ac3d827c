package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#flatMap} against the Reactive Streams TCK, as flatMap(List::of). */
public class FlatMapStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.flatMap(java.util.List::of);
    }
}
