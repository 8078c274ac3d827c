package io.nanostream.flow;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * One edge from a nanostream publisher to one of its subscribers. The publisher's
 * {@link java.util.concurrent.SubmissionPublisher} delivers to the link, the link to the
 * subscriber. It turns the publisher's drain-then-fail into {@code onError} after the last
 * buffered item, names rule 3.9 when the subscriber requests a non-positive amount, and tells the
 * pipeline when the edge has terminated.
 */
final class Link<T> implements Flow.Subscriber<T>, Flow.Subscription {

    final NodePublisher<T> from;
    final Flow.Subscriber<? super T> to;
    final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private volatile long nonPositiveRequest = 1;

    Link(NodePublisher<T> from, Flow.Subscriber<? super T> to) {
        this.from = from;
        this.to = to;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        to.onSubscribe(this);
    }

    @Override
    public void onNext(T item) {
        to.onNext(item);
    }

    @Override
    public void onError(Throwable error) {
        long n = nonPositiveRequest;
        Throwable signalled = n > 0 ? error : new IllegalArgumentException(to
                + " violated the Reactive Streams rule 3.9 by requesting a non-positive number of elements: " + n
                + " (from " + from.node.label() + ")", error);
        try {
            to.onError(signalled);
        } finally {
            terminated.complete(null);
        }
    }

    @Override
    public void onComplete() {
        Throwable failure = from.failure();
        try {
            if (failure != null) {
                to.onError(failure);
            } else {
                to.onComplete();
            }
        } finally {
            terminated.complete(null);
        }
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            nonPositiveRequest = n; // Rule 3.9: the publisher signals onError, we name the rule
        }
        subscription.request(n);
    }

    @Override
    public void cancel() {
        subscription.cancel();
        terminated.complete(null);
    }
}
