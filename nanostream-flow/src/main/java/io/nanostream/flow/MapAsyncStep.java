package io.nanostream.flow;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link Steps#mapAsync} and {@link Steps#mapAsyncUnordered}: calls a function that returns a
 * {@link CompletionStage} for each item, with at most {@code parallelism} calls under way, and
 * emits the results in input order, or as they complete.
 *
 * <p>While the calls are under way their inputs are held; each result is emitted from its input,
 * and a failed call goes through the error policy (a retry calls the function again after the
 * backoff). Results are emitted under the step's lock: by {@link #process} while it waits for
 * room, and otherwise by an action that each completion schedules.
 */
final class MapAsyncStep<I, O> extends AbstractStep<I, O> {

    private final int parallelism;
    private final boolean ordered;
    private final Function<? super I, ? extends CompletionStage<? extends O>> function;
    /** Calls in input order, not yet emitted. */
    private final Queue<Call> calls = new ArrayDeque<>();
    /** Calls that completed, in completion order; emitted from here when unordered. */
    private final Queue<Call> completed = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Calls waiting for the backoff before a retry: they move only when time does. */
    private final AtomicInteger backingOff = new AtomicInteger();

    MapAsyncStep(int parallelism, boolean ordered, Function<? super I, ? extends CompletionStage<? extends O>> function) {
        super(ordered ? "mapAsync" : "mapAsyncUnordered", DEFAULT_BUFFER_SIZE);
        this.parallelism = Checks.positive(parallelism, "parallelism");
        this.ordered = ordered;
        this.function = Checks.notNull(function, "function");
    }

    @Override
    protected void process(I item) throws Exception {
        Call call = new Call(item, holdInput());
        inFlight.incrementAndGet();
        calls.add(call);
        call.start();
        emitCompleted();
        while (calls.size() >= parallelism) {
            awaitOne();
            emitCompleted();
        }
    }

    @Override
    protected void onEndOfInput() throws Exception {
        while (!calls.isEmpty()) {
            awaitOne();
            emitCompleted();
        }
    }

    @Override
    int inFlight() {
        return inFlight.get() - backingOff.get();
    }

    /** Waits until the next call to emit is done: the oldest one, or any when unordered. */
    private void awaitOne() throws Exception {
        if (ordered) {
            calls.peek().done.get();
        } else if (completed.isEmpty()) {
            List<CompletableFuture<?>> pending = new ArrayList<>();
            for (Call call : calls) {
                pending.add(call.done);
            }
            CompletableFuture.anyOf(pending.toArray(new CompletableFuture<?>[0])).get();
        }
    }

    /** Emits every call that is done and may go next. Runs under the step's lock. */
    private void emitCompleted() {
        if (ordered) {
            while (!calls.isEmpty() && calls.peek().done.isDone()) {
                settle(calls.poll());
            }
        } else {
            for (Call call = completed.poll(); call != null; call = completed.poll()) {
                calls.remove(call);
                settle(call);
            }
        }
    }

    private void settle(Call call) {
        try {
            settleCall(call.item, call.result, call.error, call.attempts, call.input);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** One item's call, with its retries. */
    private final class Call {
        final I item;
        final Held input;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int attempts;
        O result;
        Throwable error;

        Call(I item, Held input) {
            this.item = item;
            this.input = input;
        }

        void start() {
            attempts++;
            CompletionStage<? extends O> stage;
            try {
                stage = function.apply(item);
                if (stage == null) {
                    throw new NullPointerException("the function of " + node.label() + " returned null for \""
                            + Checks.describe(item) + "\"; return a CompletionStage");
                }
            } catch (RuntimeException e) {
                finished(null, e);
                return;
            }
            stage.whenComplete(this::finished);
        }

        private void finished(O value, Throwable failure) {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure;
                Duration backoff = node.failures.retryDelay(item, cause, attempts);
                if (backoff != null) {
                    backingOff.incrementAndGet();
                    scheduler().schedule(backoff, () -> node.runTimed(executor(), () -> {
                        backingOff.decrementAndGet();
                        start();
                    }));
                    return;
                }
                error = cause;
            } else {
                result = value;
            }
            if (!ordered) {
                completed.add(this);
            }
            done.complete(null);
            runExclusive(MapAsyncStep.this::emitCompleted);
        }
    }
}
