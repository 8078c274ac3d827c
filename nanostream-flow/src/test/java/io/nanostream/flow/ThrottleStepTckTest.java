package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#throttle} against the Reactive Streams TCK, with a period too short to ever wait. */
public class ThrottleStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.throttle(1_000, java.time.Duration.ofNanos(1));
    }
}
