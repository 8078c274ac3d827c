package io.nanostream.flow;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collector;

/**
 * The ready-made steps: transform, filter, batch, window, throttle, call asynchronously, and
 * route. Each is an ordinary {@link AbstractStep} (or, for {@link #partition}, a
 * {@link Partition}): it keeps back-pressure and delivery tracking, runs on its pipeline's
 * threads, and takes an {@link ErrorPolicy} and a name when built:
 *
 * <pre>{@code
 * var source = InMemorySource.of("3", "x", "4", "5");
 * var deadLetters = new CollectingSink<DeadLetter>();
 * AbstractStep<String, Integer> parse = Steps.<String, Integer>map(Integer::parseInt)
 *         .named("parse")
 *         .withErrorPolicy(ErrorPolicy.deadLetter(deadLetters));
 * AbstractStep<Integer, List<Integer>> batch = Steps.batch(2, Duration.ofSeconds(1));
 * var sink = new CollectingSink<List<Integer>>();
 * source.subscribe(parse);
 * parse.subscribe(batch);
 * batch.subscribe(sink);
 * try (var pipeline = Pipeline.from(source)) {
 *     pipeline.start();
 *     pipeline.await(Duration.ofSeconds(5));
 * }
 * // sink: [[3, 4], [5]]; deadLetters: one DeadLetter for "x" (NumberFormatException)
 * }</pre>
 *
 * <p>The time-based steps ({@link #batch}, {@link #window} by time, {@link #throttle}) take
 * their time from the pipeline's {@link Scheduler}, so they run on virtual time in tests.
 *
 * <p><b>Fusion.</b> In a running pipeline, {@link #map}, {@link #filter}, {@link #flatMap} and
 * {@link #merge} with a single subscriber, a nanostream step or sink, hand each item straight to
 * it on their own thread: no buffer and no thread hand-off between them, as with Reactor's
 * {@code map} or Pekko Streams' operator fusion. Back-pressure, delivery tracking, error
 * policies and names stay per step. A fused step takes no further subscriber once its pipeline
 * has started. A heavy function that should run on a thread of its own is
 * better written as an {@link AbstractStep}, or spread with {@link #partition} or
 * {@link #mapAsync}.
 */
public final class Steps {

    private Steps() {
    }

    /**
     * Emits what {@code function} returns for each item.
     *
     * @param function makes the output of an item; must not return null
     * @param <I> the type of input items
     * @param <O> the type of output items
     * @return a new step
     * @throws NullPointerException if function is null
     */
    public static <I, O> AbstractStep<I, O> map(Function<? super I, ? extends O> function) {
        return new MapStep<>(function);
    }

    /**
     * Emits the items {@code predicate} accepts, and drops the others (which count as delivered).
     *
     * @param predicate accepts the items to keep
     * @param <T> the type of items
     * @return a new step
     * @throws NullPointerException if predicate is null
     */
    public static <T> AbstractStep<T, T> filter(Predicate<? super T> predicate) {
        return new FilterStep<>(predicate);
    }

    /**
     * Emits every element of what {@code function} returns for each item, in order; an empty
     * result drops the item.
     *
     * @param function makes the outputs of an item; must not return null
     * @param <I> the type of input items
     * @param <O> the type of output items
     * @return a new step
     * @throws NullPointerException if function is null
     */
    public static <I, O> AbstractStep<I, O> flatMap(Function<? super I, ? extends Iterable<? extends O>> function) {
        return new FlatMapStep<>(function);
    }

    /**
     * Gathers items into lists, emitted when {@code maxSize} items are in, when {@code maxWait}
     * has passed since the first of them, or when the input ends. Each input counts as delivered
     * once the list holding it is.
     *
     * @param maxSize the largest list
     * @param maxWait the longest an item waits in an unfinished list
     * @param <T> the type of items
     * @return a new step
     * @throws NullPointerException if maxWait is null
     * @throws IllegalArgumentException if maxSize or maxWait is not positive
     */
    public static <T> AbstractStep<T, List<T>> batch(int maxSize, Duration maxWait) {
        return new BatchStep<>(maxSize, maxWait);
    }

    /**
     * Aggregates each key's items in tumbling windows of processing time or of a count, and emits
     * one {@link Windowed} result per key per window; open windows are emitted when the input
     * ends. Windows of processing time put an item replayed after a crash in another window than
     * the first time, so a result written before the crash stays and the replay adds a second:
     * where results must survive a crash, use event time,
     * {@link #window(Function, EventTime, Window, Collector)}. The collector works as in
     * {@code Stream.collect}: for example {@code Collectors.counting()} or
     * {@code Collectors.summingLong(Order::amount)} (its combiner is never used).
     *
     * @param key gives an item's key; keys are compared with {@code equals}
     * @param window by time or by count, and how many keys may be open; see {@link Window}
     * @param collector folds a key's items into the result
     * @param <T> the type of items
     * @param <K> the type of keys
     * @param <R> the type of results
     * @return a new step
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the window is hopping or session, which need event time
     */
    public static <T, K, R> AbstractStep<T, Windowed<K, R>> window(Function<? super T, ? extends K> key,
            Window window, Collector<? super T, ?, ? extends R> collector) {
        return newWindow(key, window, collector);
    }

    /**
     * Aggregates each key's items in windows of event time (tumbling {@link Window#ofTime}, hopping
     * {@link Window#hopping} or {@link Window#session}) and emits one {@link Windowed} result per
     * key per window, once, when the watermark passes the window's end plus the allowed lateness
     * (see {@link EventTime}); what is open when the input ends is emitted then. A replayed item
     * lands in the same window as the first time, so the results of a replay are those of the
     * first run: the windows to use where results must stay right after a crash. An item that
     * arrives after one of its windows was emitted goes to the step's error policy as a
     * {@link LateEventException}. Session windows merge accumulators with the collector's
     * combiner.
     *
     * <pre>{@code
     * var perMinute = Steps.window(Order::customer,
     *         EventTime.of(Order::epochMillis).maxOutOfOrder(Duration.ofSeconds(5)),
     *         Window.ofTime(Duration.ofMinutes(1)), Collectors.summingLong(Order::cents));
     * }</pre>
     *
     * @param key gives an item's key; keys are compared with {@code equals}
     * @param time gives an item's event time, and how late items may be
     * @param window tumbling, hopping or session, and how many windows may be open
     * @param collector folds a key's items into the result
     * @param <T> the type of items
     * @param <K> the type of keys
     * @param <R> the type of results
     * @return a new step
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the window is by count
     */
    public static <T, K, R> AbstractStep<T, Windowed<K, R>> window(Function<? super T, ? extends K> key,
            EventTime<? super T> time, Window window, Collector<? super T, ?, ? extends R> collector) {
        return newEventTimeWindow(key, time, window, collector);
    }

    private static <T, K, A, R> EventTimeWindowStep<T, K, A, R> newEventTimeWindow(Function<? super T, ? extends K> key,
            EventTime<? super T> time, Window window, Collector<? super T, A, ? extends R> collector) {
        return new EventTimeWindowStep<>(key, time, window, collector);
    }

    private static <T, K, A, R> WindowStep<T, K, A, R> newWindow(Function<? super T, ? extends K> key, Window window,
            Collector<? super T, A, ? extends R> collector) {
        return new WindowStep<>(key, window, collector);
    }

    /**
     * Lets at most {@code permits} items through in any span of {@code period}; the next item
     * waits, and upstream is back-pressured meanwhile. Nothing is dropped.
     *
     * @param permits how many items may pass per period
     * @param period the span
     * @param <T> the type of items
     * @return a new step
     * @throws NullPointerException if period is null
     * @throws IllegalArgumentException if permits or period is not positive
     */
    public static <T> AbstractStep<T, T> throttle(int permits, Duration period) {
        return new ThrottleStep<>(permits, period);
    }

    /**
     * Calls {@code function} for each item, with at most {@code parallelism} calls under way,
     * and emits their results in input order. A call that completes exceptionally goes through
     * the step's error policy; a retry calls the function again.
     *
     * <p>One order over all items means one slow call holds back every result after it. When
     * only the order of each key matters (each customer, each account), {@link #mapAsyncByKey}
     * lets the keys overtake each other, with many more calls under way; when no order matters,
     * {@link #mapAsyncUnordered}.
     *
     * @param parallelism the most calls under way at once
     * @param function starts the call for an item; must not block, and must not return null
     * @param <I> the type of input items
     * @param <O> the type of output items
     * @return a new step
     * @throws NullPointerException if function is null
     * @throws IllegalArgumentException if parallelism is not positive
     */
    public static <I, O> AbstractStep<I, O> mapAsync(int parallelism,
            Function<? super I, ? extends CompletionStage<? extends O>> function) {
        return new MapAsyncStep<>(parallelism, true, function);
    }

    /**
     * Like {@link #mapAsync}, but emits each result as soon as its call completes, so a slow
     * call does not hold back the others.
     *
     * @param parallelism the most calls under way at once
     * @param function starts the call for an item; must not block, and must not return null
     * @param <I> the type of input items
     * @param <O> the type of output items
     * @return a new step
     * @throws NullPointerException if function is null
     * @throws IllegalArgumentException if parallelism is not positive
     */
    public static <I, O> AbstractStep<I, O> mapAsyncUnordered(int parallelism,
            Function<? super I, ? extends CompletionStage<? extends O>> function) {
        return new MapAsyncStep<>(parallelism, false, function);
    }

    /**
     * Calls {@code function} for each item, keeping the order of each key while the calls of
     * different keys run at once: at most one call per key, at most {@code maxInFlight} in all.
     * The outputs of a key leave in its input order; other keys overtake. See
     * {@link KeyedCallStep} for the bound on what it holds, timeouts, retries and cancellation.
     *
     * <pre>{@code
     * KeyedCallStep<Payment, Receipt> charge = Steps.mapAsyncByKey(Payment::account, 256, bank::charge);
     * }</pre>
     *
     * @param key gives an item's key, compared by {@code equals}; null is a key too
     * @param maxInFlight the most calls under way at once
     * @param function starts the call for an item; must not block, and must not return null
     * @param <I> the type of input items
     * @param <O> the type of output items
     * @return a new step
     * @throws NullPointerException if key or function is null
     * @throws IllegalArgumentException if maxInFlight is not positive
     */
    public static <I, O> KeyedCallStep<I, O> mapAsyncByKey(Function<? super I, ?> key, int maxInFlight,
            Function<? super I, ? extends CompletionStage<? extends O>> function) {
        return KeyedCallStep.async(key, maxInFlight, function);
    }

    /**
     * Like {@link #mapAsyncByKey}, for a client that blocks: each call runs on a thread of the
     * step's own, a virtual thread per call on JDK 21 and later, else a platform thread per call
     * under way. Hundreds of platform threads that mostly wait cost CPU to switch between: on
     * JDK 17, with short calls, an asynchronous client through {@link #mapAsyncByKey} goes further
     * (docs/BENCHMARKS.md measured 2.5× at 5 ms on two CPUs; on JDK 25 both made the same).
     *
     * <pre>{@code
     * KeyedCallStep<Order, Price> price = Steps.mapBlockingByKey(Order::customer, 200, prices::lookUp);
     * }</pre>
     *
     * @param key gives an item's key, compared by {@code equals}; null is a key too
     * @param maxInFlight the most calls under way at once
     * @param call the blocking call for an item; must not return null
     * @param <I> the type of input items
     * @param <O> the type of output items
     * @return a new step
     * @throws NullPointerException if key or call is null
     * @throws IllegalArgumentException if maxInFlight is not positive
     */
    public static <I, O> KeyedCallStep<I, O> mapBlockingByKey(Function<? super I, ?> key, int maxInFlight,
            KeyedCallStep.BlockingCall<? super I, ? extends O> call) {
        return KeyedCallStep.blocking(key, maxInFlight, null, call);
    }

    /**
     * Like {@link #mapBlockingByKey(Function, int, KeyedCallStep.BlockingCall)}, running each call on
     * {@code executor}, which the step does not shut down. It should run {@code maxInFlight}
     * calls at once; on JDK 21 and later, {@code Executors.newVirtualThreadPerTaskExecutor()}
     * runs thousands of blocking calls cheaply.
     *
     * @param key gives an item's key, compared by {@code equals}; null is a key too
     * @param maxInFlight the most calls under way at once
     * @param executor runs the calls
     * @param call the blocking call for an item; must not return null
     * @param <I> the type of input items
     * @param <O> the type of output items
     * @return a new step
     * @throws NullPointerException if key, executor or call is null
     * @throws IllegalArgumentException if maxInFlight is not positive
     */
    public static <I, O> KeyedCallStep<I, O> mapBlockingByKey(Function<? super I, ?> key, int maxInFlight,
            Executor executor, KeyedCallStep.BlockingCall<? super I, ? extends O> call) {
        return KeyedCallStep.blocking(key, maxInFlight, Checks.notNull(executor, "executor"), call);
    }

    /**
     * Routes each item to one of {@code count} outputs by the hash of its key, so that the same
     * key always goes to the same output; see {@link Partition}.
     *
     * @param count the number of outputs
     * @param key gives an item's key; keys are compared by {@code hashCode}
     * @param <T> the type of items
     * @return a new partition
     * @throws NullPointerException if key is null
     * @throws IllegalArgumentException if count is not positive
     */
    public static <T> Partition<T> partition(int count, Function<? super T, ?> key) {
        return new PartitionStep<>(count, key);
    }

    /**
     * Emits the items of all its upstreams, as they arrive: subscribe it to each. Completes when
     * every upstream has completed.
     *
     * @param <T> the type of items
     * @return a new step
     */
    public static <T> AbstractStep<T, T> merge() {
        return new PassThroughStep<>("merge");
    }

    /**
     * Emits every item to each of its subscribers, paced by the slowest (any step does; this one
     * does nothing else, for graphs that read better with it).
     *
     * @param <T> the type of items
     * @return a new step
     */
    public static <T> AbstractStep<T, T> broadcast() {
        return new PassThroughStep<>("broadcast");
    }
}
