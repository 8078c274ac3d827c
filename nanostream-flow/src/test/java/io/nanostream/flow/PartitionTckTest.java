package io.nanostream.flow;

import java.util.concurrent.Flow;

/**
 * Verifies {@link Steps#partition} against the Reactive Streams TCK, with one output: the
 * partition as a subscriber, its output as the publisher.
 */
public class PartitionTckTest extends IdentityStepVerification {

    @Override
    Flow.Processor<Integer, Integer> identityStep(int bufferSize) {
        return new OneLane<>(Steps.partition(1, item -> item));
    }

    @Override
    void start(Flow.Processor<Integer, Integer> step) {
        Standalone.start(((OneLane<Integer>) step).partition);
    }

    /** A partition and its only output, seen as one processor. */
    private static final class OneLane<T> implements Flow.Processor<T, T> {
        private final Partition<T> partition;

        OneLane(Partition<T> partition) {
            this.partition = partition;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super T> subscriber) {
            partition.output(0).subscribe(subscriber);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            partition.onSubscribe(subscription);
        }

        @Override
        public void onNext(T item) {
            partition.onNext(item);
        }

        @Override
        public void onError(Throwable error) {
            partition.onError(error);
        }

        @Override
        public void onComplete() {
            partition.onComplete();
        }
    }
}
