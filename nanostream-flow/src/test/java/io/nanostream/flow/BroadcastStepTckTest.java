package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#broadcast} against the Reactive Streams TCK, for each subscriber. */
public class BroadcastStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.broadcast();
    }
}
