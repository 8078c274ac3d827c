package io.nanostream.flow;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Verifies {@link Steps#mapAsyncByKey} against the Reactive Streams TCK, with one key for every
 * item, which keeps one order, and four calls allowed at once.
 */
public class KeyedCallStepTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return Steps.mapAsyncByKey(item -> "one key", 4, (Integer item) -> CompletableFuture.supplyAsync(() -> item));
    }
}
