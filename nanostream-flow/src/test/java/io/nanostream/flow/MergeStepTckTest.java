package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#merge} against the Reactive Streams TCK, with one upstream. */
public class MergeStepTckTest extends BuiltInStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep() {
        return Steps.merge();
    }
}
