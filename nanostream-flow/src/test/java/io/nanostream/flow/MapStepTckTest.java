package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#map} against the Reactive Streams TCK, as map(x -> x). */
public class MapStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.map(x -> x);
    }
}
