package io.nanostream.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * One built-in step as the contract harness ({@link StepContractTest}) sees it: how to build it
 * around a user function the harness controls, what it makes of the inputs 1..n, and which output
 * derives from which input.
 */
final class StepContract {

    /** A built step: where items go in, and where results come out. */
    record Stage(Flow.Subscriber<Integer> input, Flow.Publisher<?> output) {
    }

    final String name;
    /** Builds the stage; the step calls the given function on every item, or ignores it. */
    private final Function<UnaryOperator<Integer>, Stage> builder;
    /** The outputs for the inputs, in the order they come, normalized for comparison. */
    final Function<List<Integer>, List<Object>> expected;
    /** Turns an output into what {@link #expected} lists (e.g. a window into its values). */
    final Function<Object, Object> normalize;
    /** Whether outputs may come in another order than {@link #expected} lists them. */
    final boolean unordered;
    /** Whether the step calls user code on each item (so a throwing function applies). */
    final boolean callsUserCode;
    /** Whether a normalized output derives from {@code input}. */
    final BiPredicate<Integer, Object> derives;

    private StepContract(String name, Function<UnaryOperator<Integer>, Stage> builder,
            Function<List<Integer>, List<Object>> expected, Function<Object, Object> normalize, boolean unordered,
            boolean callsUserCode, BiPredicate<Integer, Object> derives) {
        this.name = name;
        this.builder = builder;
        this.expected = expected;
        this.normalize = normalize;
        this.unordered = unordered;
        this.callsUserCode = callsUserCode;
        this.derives = derives;
    }

    Stage build(UnaryOperator<Integer> userFunction) {
        return builder.apply(userFunction);
    }

    Stage build() {
        return build(UnaryOperator.identity());
    }

    @Override
    public String toString() {
        return name;
    }

    static List<StepContract> all() {
        List<StepContract> all = new ArrayList<>();
        all.add(step("map", fn -> Steps.map((Integer x) -> fn.apply(x) * 10), in -> map(in, x -> x * 10), true,
                (in, out) -> out.equals(in * 10)));
        all.add(step("filter", fn -> Steps.filter((Integer x) -> fn.apply(x) % 2 == 0),
                in -> in.stream().filter(x -> x % 2 == 0).collect(Collectors.toList()), true, Object::equals));
        all.add(step("flatMap", fn -> Steps.flatMap((Integer x) -> List.of(fn.apply(x), -fn.apply(x))),
                in -> in.stream().flatMap(x -> List.<Object>of(x, -x).stream()).collect(Collectors.toList()), true,
                (in, out) -> Math.abs((Integer) out) == in));
        all.add(step("batch", fn -> Steps.batch(3, Duration.ofHours(1)), in -> chunks(in, 3), false,
                (in, out) -> ((List<?>) out).contains(in)));
        all.add(new StepContract("window by count", fn -> stage(Steps.window((Integer x) -> fn.apply(x) % 3,
                Window.ofCount(2), Collectors.toList())), in -> windowsByCount(in, 3, 2), StepContract::keyAndValue,
                false, true, StepContract::windowHolds));
        all.add(new StepContract("window by time", fn -> stage(Steps.window((Integer x) -> fn.apply(x) % 3,
                Window.ofTime(Duration.ofMinutes(1)), Collectors.toList())), in -> windowsByCount(in, 3, Integer.MAX_VALUE),
                StepContract::keyAndValue, false, true, StepContract::windowHolds));
        all.add(new StepContract("window by event time", fn -> stage(Steps.window((Integer x) -> fn.apply(x) % 3,
                EventTime.of((Integer x) -> x * 1_000L), Window.ofTime(Duration.ofSeconds(10)), Collectors.toList())),
                StepContract::windowsOfTenSeconds, StepContract::keyAndValue, false, true, StepContract::windowHolds));
        all.add(step("throttle", fn -> Steps.throttle(100_000, Duration.ofMinutes(1)), in -> map(in, x -> x), false,
                Object::equals));
        all.add(step("mapAsync", fn -> Steps.mapAsync(4, (Integer x) -> CompletableFuture.supplyAsync(() -> fn.apply(x) * 10)),
                in -> map(in, x -> x * 10), true, (in, out) -> out.equals(in * 10)));
        all.add(new StepContract("mapAsyncUnordered", fn -> stage(Steps.mapAsyncUnordered(4,
                (Integer x) -> CompletableFuture.supplyAsync(() -> fn.apply(x) * 10))), in -> map(in, x -> x * 10),
                out -> out, true, true, (in, out) -> out.equals(in * 10)));
        all.add(new StepContract("mapAsyncByKey", fn -> stage(Steps.mapAsyncByKey((Integer x) -> x % 3, 4,
                (Integer x) -> CompletableFuture.supplyAsync(() -> fn.apply(x) * 10))), in -> map(in, x -> x * 10),
                out -> out, true, true, (in, out) -> out.equals(in * 10)));
        all.add(new StepContract("mapBlockingByKey", fn -> stage(Steps.mapBlockingByKey((Integer x) -> x % 3, 4,
                (Integer x) -> fn.apply(x) * 10)), in -> map(in, x -> x * 10), out -> out, true, true,
                (in, out) -> out.equals(in * 10)));
        all.add(new StepContract("partition", StepContract::partitionedAndMerged, in -> map(in, x -> x), out -> out,
                true, true, Object::equals));
        all.add(step("merge", fn -> Steps.merge(), in -> map(in, x -> x), false, Object::equals));
        all.add(step("broadcast", fn -> Steps.broadcast(), in -> map(in, x -> x), false, Object::equals));
        return all;
    }

    private static StepContract step(String name, Function<UnaryOperator<Integer>, AbstractStep<Integer, ?>> builder,
            Function<List<Integer>, List<Object>> expected, boolean callsUserCode, BiPredicate<Integer, Object> derives) {
        return new StepContract(name, fn -> stage(builder.apply(fn)), expected, out -> out, false, callsUserCode,
                derives);
    }

    private static Stage stage(AbstractStep<Integer, ?> step) {
        return new Stage(step, step);
    }

    /** partition(3) by the user function's value, each output straight into one merge. */
    private static Stage partitionedAndMerged(UnaryOperator<Integer> fn) {
        Partition<Integer> partition = Steps.partition(3, fn::apply);
        AbstractStep<Integer, Integer> merge = Steps.merge();
        partition.outputs().forEach(output -> output.subscribe(merge));
        return new Stage(partition, merge);
    }

    private static List<Object> map(List<Integer> in, UnaryOperator<Integer> fn) {
        return in.stream().map(fn).collect(Collectors.toList());
    }

    private static List<Object> chunks(List<Integer> in, int size) {
        List<Object> chunks = new ArrayList<>();
        for (int i = 0; i < in.size(); i += size) {
            chunks.add(List.copyOf(in.subList(i, Math.min(in.size(), i + size))));
        }
        return chunks;
    }

    /**
     * Count windows of {@code size} per key {@code x % keys}: full ones as they fill, then the
     * rest at the end in the order their keys opened.
     */
    private static List<Object> windowsByCount(List<Integer> in, int keys, int size) {
        List<Object> out = new ArrayList<>();
        Map<Integer, List<Integer>> open = new java.util.LinkedHashMap<>();
        for (Integer x : in) {
            List<Integer> values = open.computeIfAbsent(x % keys, k -> new ArrayList<>());
            values.add(x);
            if (values.size() == size) {
                out.add(Map.entry(x % keys, List.copyOf(values)));
                open.remove(x % keys);
            }
        }
        open.forEach((key, values) -> out.add(Map.entry(key, List.copyOf(values))));
        return out;
    }

    /**
     * Event-time windows of ten seconds per key {@code x % 3}, where x is also the second of the
     * event: each closes when the first item of the next ten seconds arrives, its keys in the
     * order they opened.
     */
    private static List<Object> windowsOfTenSeconds(List<Integer> in) {
        Map<List<Integer>, List<Integer>> windows = new java.util.LinkedHashMap<>();
        for (Integer x : in) {
            windows.computeIfAbsent(List.of(x / 10, x % 3), k -> new ArrayList<>()).add(x);
        }
        List<Object> out = new ArrayList<>();
        windows.forEach((window, values) -> out.add(Map.entry(window.get(1), List.copyOf(values))));
        return out;
    }

    private static boolean windowHolds(Integer input, Object normalized) {
        return ((Map.Entry<?, ?>) normalized).getValue() instanceof List<?> values && values.contains(input);
    }

    private static Object keyAndValue(Object output) {
        Windowed<?, ?> windowed = (Windowed<?, ?>) output;
        return Map.entry(windowed.key(), windowed.value());
    }

    /** Sorts by string form, to compare outputs that may come in any order. */
    static List<Object> sorted(Collection<?> items) {
        Map<String, List<Object>> byText = new TreeMap<>();
        for (Object item : items) {
            byText.computeIfAbsent(String.valueOf(item), k -> new ArrayList<>()).add(item);
        }
        List<Object> sorted = new ArrayList<>();
        byText.values().forEach(sorted::addAll);
        return sorted;
    }
}
