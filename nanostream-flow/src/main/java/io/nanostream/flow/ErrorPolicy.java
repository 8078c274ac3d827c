package io.nanostream.flow;

import java.time.Duration;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a step or sink does when its code throws on an item: {@linkplain #fail() fail} the
 * pipeline (the default), {@linkplain #skip() skip} the item, {@linkplain #retry retry} it, or
 * send it to a {@linkplain #deadLetter dead-letter} subscriber. Set it when building the step,
 * with {@link AbstractStep#withErrorPolicy} or {@link AbstractSink#withErrorPolicy}.
 *
 * <p>A policy covers the item at hand only: an exception thrown by {@code onStart} or
 * {@code onEndOfInput}, an {@code onError} from upstream, and {@link Error}s other than
 * {@link AssertionError} always fail the pipeline.
 *
 * <p><b>Delivery.</b> A skipped item counts as delivered. A dead-lettered item counts as
 * delivered once the dead-letter subscriber has taken it, so a pipeline whose source tracks
 * delivery (a Kafka source, say) commits past a poison record only after it is safely parked.
 * A retried item's earlier attempts may already have emitted some results; those stay emitted.
 *
 * <pre>{@code
 * var deadLetters = new CollectingSink<DeadLetter>();
 * var parse = Steps.map(Order::parse)
 *         .named("parse")
 *         .withErrorPolicy(ErrorPolicy.retry(3, Duration.ofMillis(100))
 *                 .orElse(ErrorPolicy.deadLetter(deadLetters)));
 * }</pre>
 */
public final class ErrorPolicy {

    enum Kind {
        FAIL, SKIP, DEAD_LETTER, RETRY
    }

    private static final ErrorPolicy FAIL = new ErrorPolicy(Kind.FAIL, null, 1, null, null, 0, null);
    private static final ErrorPolicy SKIP = new ErrorPolicy(Kind.SKIP, null, 1, null, null, 0, null);

    final Kind kind;
    private final Flow.Subscriber<? super DeadLetter> deadLetters;
    private final int maxAttempts;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final double jitter;
    private final ErrorPolicy fallback;

    private ErrorPolicy(Kind kind, Flow.Subscriber<? super DeadLetter> deadLetters, int maxAttempts,
            Duration firstBackoff, Duration maxBackoff, double jitter, ErrorPolicy fallback) {
        this.kind = kind;
        this.deadLetters = deadLetters;
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        this.jitter = jitter;
        this.fallback = fallback;
    }

    /**
     * Fails the pipeline: the step cancels its upstreams, and {@link Pipeline#await} throws a
     * {@link PipelineException} that names the step and the item. The default.
     *
     * @return the policy
     */
    public static ErrorPolicy fail() {
        return FAIL;
    }

    /**
     * Logs the failure at {@code WARNING} through {@link System.Logger} (logger
     * {@code io.nanostream.flow}), counts it, treats the item as done, and goes on with the next.
     *
     * @return the policy
     */
    public static ErrorPolicy skip() {
        return SKIP;
    }

    /**
     * Sends a {@link DeadLetter} with the item, the exception and the step's name to
     * {@code subscriber}, logs it at {@code WARNING}, and goes on with the next item. The
     * subscriber joins the pipeline: it is subscribed when the policy is set on a step, runs on
     * the pipeline's threads, back-pressures like any sink, and completes with the step.
     *
     * @param subscriber where dead letters go: a sink, a step, or any {@link Flow.Subscriber}
     * @return the policy
     * @throws NullPointerException if subscriber is null
     */
    public static ErrorPolicy deadLetter(Flow.Subscriber<? super DeadLetter> subscriber) {
        return new ErrorPolicy(Kind.DEAD_LETTER, Checks.notNull(subscriber, "subscriber"), 1, null, null, 0, null);
    }

    /**
     * Calls the step's code again for the failed item, up to {@code maxAttempts} calls in all,
     * waiting {@code firstBackoff} before the second call and twice as long before each next one
     * (at most {@link #maxBackoff}, and up to half of it less at random, see {@link #jitter}).
     * While it waits the step takes no other item, so order is kept and upstream is
     * back-pressured. When every attempt failed, the {@link #orElse fallback} policy applies:
     * {@link #fail()} unless set.
     *
     * @param maxAttempts the number of calls, the first included; at least 1
     * @param firstBackoff the wait before the first retry; positive
     * @return the policy
     * @throws IllegalArgumentException if maxAttempts is less than 1 or firstBackoff not positive
     * @throws NullPointerException if firstBackoff is null
     */
    public static ErrorPolicy retry(int maxAttempts, Duration firstBackoff) {
        Checks.positive(maxAttempts, "maxAttempts");
        Checks.positive(firstBackoff, "firstBackoff");
        return new ErrorPolicy(Kind.RETRY, null, maxAttempts, firstBackoff, firstBackoff.multipliedBy(1L << 10), 0.5,
                FAIL);
    }

    /**
     * Returns this retry policy with {@code fallback} applied once every attempt failed.
     *
     * @param fallback fail, skip or dead-letter
     * @return a new policy
     * @throws NullPointerException if fallback is null
     * @throws IllegalArgumentException if fallback is itself a retry
     * @throws IllegalStateException if this is not a retry policy
     */
    public ErrorPolicy orElse(ErrorPolicy fallback) {
        checkRetry("orElse");
        Checks.notNull(fallback, "fallback");
        if (fallback.kind == Kind.RETRY) {
            throw new IllegalArgumentException("fallback must not be a retry: " + fallback
                    + "; give one retry policy with more attempts instead");
        }
        return new ErrorPolicy(kind, null, maxAttempts, firstBackoff, maxBackoff, jitter, fallback);
    }

    /**
     * Returns this retry policy with the wait between attempts capped at {@code maxBackoff}
     * (default: 1024 times the first backoff).
     *
     * @param maxBackoff the longest wait; not shorter than the first backoff
     * @return a new policy
     * @throws NullPointerException if maxBackoff is null
     * @throws IllegalArgumentException if maxBackoff is shorter than the first backoff
     * @throws IllegalStateException if this is not a retry policy
     */
    public ErrorPolicy maxBackoff(Duration maxBackoff) {
        checkRetry("maxBackoff");
        if (Checks.notNull(maxBackoff, "maxBackoff").compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must not be shorter than firstBackoff (" + firstBackoff
                    + "): " + maxBackoff);
        }
        return new ErrorPolicy(kind, null, maxAttempts, firstBackoff, maxBackoff, jitter, fallback);
    }

    /**
     * Returns this retry policy with each wait shortened by a random part of up to
     * {@code jitter} of it (default 0.5), so that many failing steps do not retry in lockstep.
     * Zero waits exactly.
     *
     * @param jitter between 0 and 1
     * @return a new policy
     * @throws IllegalArgumentException if jitter is not between 0 and 1
     * @throws IllegalStateException if this is not a retry policy
     */
    public ErrorPolicy jitter(double jitter) {
        checkRetry("jitter");
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1: " + jitter);
        }
        return new ErrorPolicy(kind, null, maxAttempts, firstBackoff, maxBackoff, jitter, fallback);
    }

    /**
     * How long to wait before calling again after {@code failedAttempts} failed calls, or null if
     * no attempt is left.
     */
    Duration backoff(int failedAttempts) {
        if (kind != Kind.RETRY || failedAttempts >= maxAttempts) {
            return null;
        }
        int doublings = Math.min(failedAttempts - 1, 62);
        long ceiling = maxBackoff.toNanos();
        long nanos = firstBackoff.toNanos() > (ceiling >> doublings) ? ceiling : firstBackoff.toNanos() << doublings;
        long cut = (long) (nanos * jitter * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos(nanos - cut);
    }

    /** The policy that settles a failure once retries are exhausted: fail, skip or dead-letter. */
    ErrorPolicy terminal() {
        return kind == Kind.RETRY ? fallback : this;
    }

    /** The subscriber dead letters go to, or null if none. */
    Flow.Subscriber<? super DeadLetter> deadLetterSubscriber() {
        return terminal().deadLetters;
    }

    private void checkRetry(String setting) {
        Checks.state(kind == Kind.RETRY, setting + " applies to retry policies only, not to " + this);
    }

    @Override
    public String toString() {
        switch (kind) {
            case RETRY:
                return "retry(" + maxAttempts + " attempts, backoff " + firstBackoff + " to " + maxBackoff
                        + ", jitter " + jitter + ") or else " + fallback;
            case DEAD_LETTER:
                return "deadLetter(" + deadLetters + ")";
            default:
                return kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
