package io.nanostream.flow;

import java.util.concurrent.Flow;

/**
 * Verifies {@link Steps#mapBlockingByKey} against the Reactive Streams TCK, with one key for every
 * item, which keeps one order, on threads of the step's own.
 */
public class KeyedBlockingCallStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.mapBlockingByKey(item -> "one key", 4, (Integer item) -> item);
    }
}
