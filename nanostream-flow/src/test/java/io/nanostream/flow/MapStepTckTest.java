package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#map} against the Reactive Streams TCK, as map(x -> x). */
public class MapStepTckTest extends BuiltInStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep() {
        return Steps.map(x -> x);
    }
}
