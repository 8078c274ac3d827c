package io.nanostream.flow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * Small nodes for the core's lifecycle tests: a list source, and a sink that records its hooks' calls
 * ({@code start}, {@code end}, {@code failure}) as well as its items. The behaviour tests use the
 * testkit's {@code InMemorySource} and {@code CollectingSink}, compiled with these tests.
 */
final class TestNodes {

    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private TestNodes() {
    }

    static <T> ListSource<T> source(List<T> items) {
        return new ListSource<>(items, 256);
    }

    static List<Integer> range(int count) {
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            items.add(i);
        }
        return items;
    }

    static <I, O> AbstractStep<I, O> map(String name, Function<I, O> fn) {
        return new AbstractStep<>(name, 256) {
            @Override
            protected void process(I item) {
                emit(fn.apply(item));
            }
        };
    }

    static <T> AbstractStep<T, T> identity(int bufferSize) {
        return new AbstractStep<>(bufferSize) {
            @Override
            protected void process(T item) {
                emit(item);
            }
        };
    }

    /** Builds, starts and awaits a pipeline, closing it in any case. */
    static void run(Flow.Publisher<?>... sources) throws Exception {
        try (Pipeline pipeline = Pipeline.from(sources)) {
            pipeline.start();
            pipeline.await(TIMEOUT);
        }
    }

    static final class ListSource<T> extends AbstractSource<T> {
        private final List<T> items;

        ListSource(List<T> items, int bufferSize) {
            super("ListSource", bufferSize);
            this.items = items;
        }

        @Override
        protected void produce() {
            items.forEach(this::emit);
        }
    }

    static class RecordingSink<T> extends AbstractSink<T> {
        final List<T> items = Collections.synchronizedList(new ArrayList<>());
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();

        RecordingSink() {
            super("RecordingSink", 256);
        }

        @Override
        protected void onStart() {
            events.add("start");
        }

        @Override
        protected void consume(T item) {
            items.add(item);
        }

        @Override
        protected void onEndOfInput() {
            events.add("end");
            ended.complete(null);
        }

        @Override
        protected void onFailure(Throwable error) {
            events.add("failure");
            ended.complete(error);
        }
    }
}
