package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#mapAsyncUnordered} against the Reactive Streams TCK, with one call at a time, which keeps order. */
public class MapAsyncUnorderedStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.mapAsyncUnordered(1, java.util.concurrent.CompletableFuture::completedFuture);
    }
}
