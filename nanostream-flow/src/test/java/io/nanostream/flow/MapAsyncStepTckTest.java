package io.nanostream.flow;

import java.util.concurrent.Flow;

/** Verifies {@link Steps#mapAsync} against the Reactive Streams TCK, as mapAsync(4, completedFuture). */
public class MapAsyncStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.mapAsync(4, java.util.concurrent.CompletableFuture::completedFuture);
    }
}
