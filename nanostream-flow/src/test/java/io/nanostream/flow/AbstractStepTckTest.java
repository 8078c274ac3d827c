package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies an identity {@link AbstractStep} against the Reactive Streams TCK. */
public class AbstractStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return TestNodes.identity(bufferSize);
    }
}
