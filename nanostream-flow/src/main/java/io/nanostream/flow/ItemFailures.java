package io.nanostream.flow;

import java.time.Duration;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies a node's {@link ErrorPolicy} to an item its code threw on: says whether and when to try
 * again, then skips or dead-letters the item, or leaves it to fail the pipeline. Counts what it
 * did.
 */
final class ItemFailures {

    private static final System.Logger LOG = System.getLogger("io.nanostream.flow");

    private final Node node;
    private volatile ErrorPolicy policy = ErrorPolicy.fail();
    private boolean policySet;
    /** Where dead letters go; null unless the policy dead-letters. */
    private volatile DeadLetterOutlet deadLetters;
    final AtomicLong retried = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    /** Items whose attempts are over, however they were settled: skipped, dead-lettered or failed. */
    final AtomicLong settled = new AtomicLong();

    ItemFailures(Node node) {
        this.node = node;
    }

    synchronized void setPolicy(ErrorPolicy newPolicy) {
        Checks.notNull(newPolicy, "policy");
        Checks.state(!policySet, node.label() + " already has error policy " + policy + "; set it once");
        policySet = true;
        Flow.Subscriber<? super DeadLetter> subscriber = newPolicy.deadLetterSubscriber();
        if (subscriber != null) {
            DeadLetterOutlet outlet = new DeadLetterOutlet(node);
            outlet.subscribe(subscriber);
            node.outlets.add(outlet);
            deadLetters = outlet;
        }
        policy = newPolicy;
    }

    /**
     * Returns how long to wait before calling the node's code again for {@code item}, after
     * {@code failedAttempts} calls failed with {@code error}; null if the policy does not retry
     * (any more), or the failure is not the item's fault.
     */
    Duration retryDelay(Object item, Throwable error, int failedAttempts) {
        if (!appliesTo(error)) {
            return null;
        }
        Duration backoff = policy.backoff(failedAttempts);
        if (backoff != null) {
            retried.incrementAndGet();
            FlightEvents.itemFailed(node, item, error, failedAttempts, "retried");
            LOG.log(System.Logger.Level.DEBUG, () -> node.label() + " retries item \"" + Checks.describe(item)
                    + "\" in " + backoff + " after attempt " + failedAttempts + " failed: " + error);
        }
        return backoff;
    }

    /** How many times the node's code threw on an item: every failed attempt, retried or not. */
    long errors() {
        return settled.get() + retried.get();
    }

    /**
     * Settles an item whose attempts are over: skips it or sends it to the dead letters, derived
     * from {@code lineage}, and returns true; or returns false if the pipeline must fail. The
     * caller still owns its count on the lineage.
     */
    boolean settle(Object item, Throwable error, int attempts, Lineage lineage) {
        settled.incrementAndGet();
        if (!appliesTo(error)) {
            FlightEvents.itemFailed(node, item, error, attempts, "failed");
            return false;
        }
        switch (policy.terminal().kind) {
            case SKIP:
                FlightEvents.itemFailed(node, item, error, attempts, "skipped");
                long count = skipped.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, () -> node.label() + " skipped item \"" + Checks.describe(item)
                        + "\" after " + attempts + " attempt(s): " + error + " (" + count + " skipped so far)", error);
                return true;
            case DEAD_LETTER:
                FlightEvents.itemFailed(node, item, error, attempts, "dead-lettered");
                deadLetters.send(new DeadLetter(node.name, item, error, attempts), lineage);
                deadLettered.incrementAndGet();
                LOG.log(System.Logger.Level.WARNING, () -> node.label() + " sent item \"" + Checks.describe(item)
                        + "\" to its dead letters after " + attempts + " attempt(s): " + error);
                return true;
            default:
                FlightEvents.itemFailed(node, item, error, attempts, "failed");
                return false;
        }
    }

    /**
     * A policy settles exceptions from the node's code. Errors of the JVM, a failure that already
     * names its node, and anything once the thread was interrupted (the pipeline is being torn
     * down), fail.
     */
    private static boolean appliesTo(Throwable error) {
        return (error instanceof Exception || error instanceof AssertionError)
                && !(error instanceof InterruptedException) && !(error instanceof PipelineException)
                && !Thread.currentThread().isInterrupted();
    }
}
