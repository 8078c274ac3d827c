package io.nanostream.benchmarks;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The chain written by hand on the JDK's SubmissionPublisher: one publisher per stage with the
 * same buffer size, each subscriber requesting a full buffer first and then half a buffer each
 * time it has taken half, on a cached thread pool (a stage blocks in submit inside onNext, so a
 * fixed pool smaller than the chain would deadlock).
 */
final class RawSubmissionPublisherChain {

    private RawSubmissionPublisherChain() {
    }

    /** A stage: applies a function, submits non-null results downstream. */
    static final class Stage extends SubmissionPublisher<Long> implements Flow.Processor<Long, Long> {
        private final Function<Long, Long> function;
        private final Requests requests;

        Stage(ExecutorService threads, int bufferSize, Function<Long, Long> function) {
            super(threads, bufferSize);
            this.function = function;
            this.requests = new Requests(bufferSize);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            requests.start(subscription);
        }

        @Override
        public void onNext(Long item) {
            Long result = function.apply(item);
            if (result != null) {
                submit(result);
            }
            requests.taken();
        }

        @Override
        public void onError(Throwable error) {
            closeExceptionally(error);
        }

        @Override
        public void onComplete() {
            close();
        }
    }

    /** Sums what arrives. */
    static final class Sum implements Flow.Subscriber<Long> {
        final CountDownLatch done = new CountDownLatch(1);
        private final Requests requests;
        volatile Throwable error;
        long sum;

        Sum(int bufferSize) {
            this.requests = new Requests(bufferSize);
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            requests.start(subscription);
        }

        @Override
        public void onNext(Long item) {
            sum += item;
            requests.taken();
        }

        @Override
        public void onError(Throwable failure) {
            error = failure;
            done.countDown();
        }

        @Override
        public void onComplete() {
            done.countDown();
        }
    }

    /** A full buffer first, then half a buffer each time half a buffer was taken. */
    static final class Requests {
        private final int bufferSize;
        private final int half;
        private Flow.Subscription subscription;
        private int taken;

        Requests(int bufferSize) {
            this.bufferSize = bufferSize;
            this.half = Math.max(1, bufferSize / 2);
        }

        void start(Flow.Subscription s) {
            subscription = s;
            s.request(bufferSize);
        }

        void taken() {
            if (++taken == half) {
                taken = 0;
                subscription.request(half);
            }
        }
    }

    static long run(long items, int bufferSize) throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            var source = new SubmissionPublisher<Long>(threads, bufferSize);
            var times3 = new Stage(threads, bufferSize, Chain::timesThree);
            var even = new Stage(threads, bufferSize, x -> Chain.even(x) ? x : null);
            var plus1 = new Stage(threads, bufferSize, Chain::plusOne);
            var sum = new Sum(bufferSize);
            Chain.wire(source, sum, times3, even, plus1);
            for (long i = 0; i < items; i++) {
                source.submit(i);
            }
            source.close();
            if (!sum.done.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the raw chain did not finish in 10 minutes");
            }
            if (sum.error != null) {
                throw new IllegalStateException("the raw chain failed", sum.error);
            }
            return Chain.check(sum.sum, items);
        } finally {
            threads.shutdownNow();
        }
    }
}
