package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#merge} against the Reactive Streams TCK, with one upstream. */
public class MergeStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.merge();
    }
}
